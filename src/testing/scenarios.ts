/**
 * Typed builders for mock LLM scenarios, so a user's test writes `mockScenario(callTool('lookup', { id: 1 }),
 * reply('done'))` instead of the YAML shape. Each builder returns plain data the server validates again when added.
 */
import { parseScenario, type Fault, type Scenario, type Turn } from '../servers/mock-llm/scenario';

export type { Fault as MockFault, Scenario as MockScenario, Turn as MockTurn };

/** Extra settings of one turn: reported usage, a delay, faults played before it succeeds. */
export type MockTurnOptions = Pick<Turn, 'usage' | 'delayMs' | 'faults' | 'alwaysFail' | 'repeat'>;

/** A turn where the model answers with text (and so ends an agent's tool loop). */
export function reply(text: string, options: MockTurnOptions = {}): Turn {
  return { text, ...options };
}

/** A turn where the model calls one tool with these arguments. */
export function callTool(name: string, args: Record<string, unknown> = {}, options: MockTurnOptions = {}): Turn {
  return { toolCalls: [{ name, arguments: args }], ...options };
}

/** A turn where the model calls several tools at once (parallel tool calls). */
export function callTools(
  calls: { name: string; args?: Record<string, unknown> }[],
  options: MockTurnOptions = {},
): Turn {
  return { toolCalls: calls.map((c) => ({ name: c.name, arguments: c.args ?? {} })), ...options };
}

/** A scenario playing these turns in order, one per model call of a conversation; validated here. */
export function mockScenario(...turns: Turn[]): Scenario {
  return parseScenario({ turns }, 'mockScenario()');
}
