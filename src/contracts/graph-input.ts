/**
 * A graph run's initial state values: read from what a person typed (`agentctl start <graph> --input …`) and
 * checked against the spec's declared state, by the client before a run starts and by `graphWorkflow` itself,
 * so a `"1234"`-for-a-number mistake is refused up front instead of failing a node later.
 */
import { UserError } from './errors';
import type { GraphValues } from './graph-rules';
import type { GraphSpec, StateField } from './graph-spec';

type StateType = StateField['type'];

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function fits(type: StateType, value: unknown): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return typeOf(value) === 'object';
    default:
      return typeOf(value) === type;
  }
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * Every problem of initial values against the declared state: fields not declared, and values not of the
 * declared type. Each problem names its field: `count: expected number, got string "12"`.
 */
export function stateInputProblems(state: Record<string, StateField>, values: GraphValues): string[] {
  const declared = Object.keys(state);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const field = state[name];
    if (!field) problems.push(`${name}: not declared under state (declared: ${declared.join(', ') || 'none'})`);
    else if (!fits(field.type, value))
      problems.push(
        `${name}: expected ${field.type}, got ${value === null ? 'null' : `${typeOf(value)} ${shown(value)}`}`,
      );
  }
  return problems;
}

/** State fields some node writes: its `output`, or the properties of an llm node's output schema. */
function writtenFields(spec: Pick<GraphSpec, 'nodes'>): Set<string> {
  const written = new Set<string>();
  for (const node of Object.values(spec.nodes)) {
    if (node.kind !== 'end' && 'output' in node && node.output) written.add(node.output);
    if (node.kind === 'llm')
      Object.keys((node.outputSchema.properties as Record<string, unknown> | undefined) ?? {}).forEach((p) =>
        written.add(p),
      );
  }
  return written;
}

/**
 * The state field plain-text input goes into: the first one the spec declares `type: string` that no node
 * writes (a node's output is a result, not where a request belongs).
 */
export function textStateField(spec: Pick<GraphSpec, 'state' | 'nodes'>): string | undefined {
  const written = writtenFields(spec);
  return Object.entries(spec.state).find(([name, f]) => f.type === 'string' && !written.has(name))?.[0];
}

/**
 * Reads `--input` for a graph. A JSON object gives state values by field name. Anything else is text: plain
 * text, or a JSON string, goes into the first state field declared `type: string` that no node writes (`topic`,
 * `ticket`, …). A JSON array, or text for a graph without such a field, is refused with what to give instead.
 */
export function graphInputFromText(spec: Pick<GraphSpec, 'name' | 'state' | 'nodes'>, raw: string): GraphValues {
  const text = raw.trim();
  if (!text) throw new UserError('--input is empty');
  if (text.startsWith('{') || text.startsWith('[') || text.startsWith('"')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new UserError(`--input is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed === 'string') return asText(spec, parsed);
    if (typeOf(parsed) !== 'object')
      throw new UserError('--input for a graph must be a JSON object of state values, e.g. {"topic":"…"}, or text');
    return parsed as GraphValues;
  }
  return asText(spec, raw);
}

function asText(spec: Pick<GraphSpec, 'name' | 'state' | 'nodes'>, text: string): GraphValues {
  const field = textStateField(spec);
  if (!field) {
    throw new UserError(
      `--input: graph ${spec.name} declares no string state field for text (one no node writes); give a JSON object of state values (declared: ${Object.keys(spec.state).join(', ') || 'none'})`,
    );
  }
  return { [field]: text };
}
