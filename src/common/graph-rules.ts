/**
 * Pure helpers of graph runs: templates over state, the safe condition form, and per-field merge rules.
 * No evaluated code anywhere: a spec can only compare fields with constants.
 */
import type { Condition, StateField } from './graph-spec';

export type GraphValues = Record<string, unknown>;

function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Replaces `{{field}}` (and `{{item}}` etc. from `extra`) with values; unknown names become empty. */
export function renderTemplate(template: string, values: GraphValues, extra: GraphValues = {}): string {
  return template.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) =>
    display(name in extra ? extra[name] : values[name]),
  );
}

/** Fills tool arguments: a string that is exactly `{{field}}` takes the field's value as is (any type). */
export function renderArgs(args: Record<string, unknown>, values: GraphValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (typeof value === 'string') {
      const whole = /^\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}$/.exec(value);
      out[key] = whole ? values[whole[1] as string] : renderTemplate(value, values);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function evaluateCondition(condition: Condition, values: GraphValues): boolean {
  const actual = values[condition.field];
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
