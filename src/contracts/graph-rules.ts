/**
 * Pure helpers of graph runs: templates over state, the safe condition form, and per-field merge rules.
 * No evaluated code anywhere: a spec can only compare fields with constants.
 */
import { TEMPLATE_FIELD, type Condition, type StateField } from './graph-spec';

export type GraphValues = Record<string, unknown>;

function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The value at a field or a dotted path (`order.status`, `items.0`); undefined when any step is missing. Only
 * own properties are read, so a path cannot reach into prototypes (`constructor`, `__proto__`).
 */
export function valueAt(values: GraphValues, path: string, extra: GraphValues = {}): unknown {
  const [root, ...rest] = path.split('.') as [string, ...string[]];
  let value: unknown = Object.hasOwn(extra, root) ? extra[root] : values[root];
  for (const key of rest) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Replaces `{{field}}`, `{{field.path}}` (and `{{item}}` etc. from `extra`) with values; unknown ones become empty. */
export function renderTemplate(template: string, values: GraphValues, extra: GraphValues = {}): string {
  return template.replace(TEMPLATE_FIELD, (_, ref: string) => display(valueAt(values, ref, extra)));
}

/**
 * Fills tool arguments at any depth: a string that is exactly `{{field}}` takes the field's value as is (any type),
 * other strings are rendered as templates, arrays and objects are filled element by element.
 */
export function renderArgs(args: Record<string, unknown>, values: GraphValues): Record<string, unknown> {
  return renderArg(args, values) as Record<string, unknown>;
}

function renderArg(value: unknown, values: GraphValues): unknown {
  if (typeof value === 'string') {
    const whole = new RegExp(`^${TEMPLATE_FIELD.source}$`).exec(value);
    return whole ? valueAt(values, whole[1] as string) : renderTemplate(value, values);
  }
  if (Array.isArray(value)) return value.map((v) => renderArg(v, values));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderArg(v, values)]));
  return value;
}

export function evaluateCondition(condition: Condition, values: GraphValues): boolean {
  const actual = valueAt(values, condition.field);
  const expected = condition.value;
  switch (condition.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'notExists':
      return actual === undefined || actual === null;
    case 'eq':
      return JSON.stringify(actual) === JSON.stringify(expected);
    case 'ne':
      return JSON.stringify(actual) !== JSON.stringify(expected);
    case 'gt':
      return typeof actual === 'number' && typeof expected === 'number' && actual > expected;
    case 'gte':
      return typeof actual === 'number' && typeof expected === 'number' && actual >= expected;
    case 'lt':
      return typeof actual === 'number' && typeof expected === 'number' && actual < expected;
    case 'lte':
      return typeof actual === 'number' && typeof expected === 'number' && actual <= expected;
    case 'contains':
      if (typeof actual === 'string')
        return typeof expected === 'string' && actual.toLowerCase().includes(expected.toLowerCase());
      return Array.isArray(actual) && actual.some((a) => JSON.stringify(a) === JSON.stringify(expected));
    case 'in':
      return Array.isArray(expected) && expected.some((e) => JSON.stringify(e) === JSON.stringify(actual));
  }
}

/** Applies one update to a field by its merge rule. */
export function mergeField(field: StateField | undefined, current: unknown, update: unknown): unknown {
  const rule = field?.merge ?? 'replace';
  if (rule === 'append') {
    const base = Array.isArray(current) ? current : current === undefined ? [] : [current];
    return [...base, ...(Array.isArray(update) ? update : [update])];
  }
  if (
    rule === 'merge' &&
    typeof current === 'object' &&
    current !== null &&
    typeof update === 'object' &&
    update !== null
  ) {
    return { ...(current as Record<string, unknown>), ...(update as Record<string, unknown>) };
  }
  return update;
}

/** Initial state: each field's default, then the run's input values merged by the same rules. */
export function initialState(fields: Record<string, StateField>, input: GraphValues): GraphValues {
  const values: GraphValues = {};
  for (const [name, field] of Object.entries(fields)) {
    if (field.default !== undefined) values[name] = field.default;
  }
  for (const [name, value] of Object.entries(input)) values[name] = value;
  return values;
}
