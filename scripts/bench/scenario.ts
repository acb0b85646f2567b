/**
 * The scripted agent every bench mode runs: `steps - 1` model turns that each ask for one calculator call, then a
 * final answer. The same script drives durable-agents, the hand-written workflow and the in-process loop, and the
 * minimal prompt of each step is built here from the spec alone, so prompt overhead is measured against it.
 */
import type { AgentInput } from '../../src/contracts/agent-contract';
import type { ToolDefinition } from '../../src/contracts/messages';
import { calculatorSpec, toolDefinition } from '../../src/contracts/tool-specs';
import type { Scenario } from '../../src/servers/mock-llm/scenario';
import type { BaselineInput } from './baseline-workflows';

export const BENCH_INSTRUCTIONS =
  'You are a bookkeeping agent. Use the calculator for every multiplication, one call per turn, then give the total.';

/** The expression the model asks for on turn `turn` (0-based). */
const expression = (turn: number): string => `${turn + 1} * 7`;
/** What the calculator answers to it. */
const calculatorAnswer = (turn: number): string => String((turn + 1) * 7);

/** The mock scenario: every turn takes `delayMs`; usage is left to the mock's estimate (4 characters a token). */
export function benchScenario(steps: number, delayMs: number): Scenario {
  const turns: NonNullable<Scenario['turns']> = [];
  for (let turn = 0; turn < steps - 1; turn++) {
    turns.push({ toolCalls: [{ name: calculatorSpec.name, arguments: { expression: expression(turn) } }], delayMs });
  }
  turns.push({ text: `Done: ${steps - 1} products computed.`, delayMs });
  return { description: `bench: ${steps} steps of ${delayMs} ms`, turns };
}

/** A user input unique to the run, so the mock's request hash tells runs (and repeated requests) apart. */
export const benchUserInput = (runId: string): string => `Multiply 1 to 9 by 7, one call each. (run ${runId})`;

export const benchTools = (): ToolDefinition[] => [toolDefinition(calculatorSpec)];

export function durableInput(model: string, runId: string, steps: number): AgentInput {
  return {
    agent: 'bench',
    instructions: BENCH_INSTRUCTIONS,
    input: benchUserInput(runId),
    model,
    tools: [calculatorSpec.name],
    maxSteps: steps,
  };
}

export function baselineInput(model: string, runId: string, steps: number): BaselineInput {
  return {
    instructions: BENCH_INSTRUCTIONS,
    input: benchUserInput(runId),
    model,
    tools: benchTools(),
    maxSteps: steps,
  };
}

/**
 * The smallest OpenAI Chat Completions body a hand-written loop could send for step `turn` (0-based): the system
 * prompt, the user's input, the turns so far (each one tool call and its result) and the tool schemas. Nothing else.
 */
export function minimalRequestBody(modelName: string, runId: string, turn: number): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [
    { role: 'system', content: BENCH_INSTRUCTIONS },
    { role: 'user', content: benchUserInput(runId) },
  ];
  for (let t = 0; t < turn; t++) {
    // The mock names tool calls call_t<turn>_<index>; a real provider's ids are of similar length.
    const id = `call_t${t}_0`;
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id,
          type: 'function',
          function: { name: calculatorSpec.name, arguments: JSON.stringify({ expression: expression(t) }) },
        },
      ],
    });
    messages.push({ role: 'tool', tool_call_id: id, content: calculatorAnswer(t) });
  }
  const tools = benchTools().map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
  return { model: modelName, messages, tools };
}

interface WireMessage {
  role?: string;
  content?: unknown;
  tool_calls?: { function?: { name?: string; arguments?: string } }[];
}

/**
 * The text a model reads from a Chat Completions body: message contents, the names and arguments of tool calls,
 * and the tool schemas. JSON punctuation of the HTTP envelope and ids are left out; that is what providers bill.
 */
export function promptText(body: { messages?: WireMessage[]; tools?: unknown[] }): string {
  const parts: string[] = [];
  for (const m of body.messages ?? []) {
    parts.push(m.role ?? '');
    if (typeof m.content === 'string') parts.push(m.content);
    for (const call of m.tool_calls ?? []) parts.push(call.function?.name ?? '', call.function?.arguments ?? '');
  }
  for (const tool of body.tools ?? []) parts.push(JSON.stringify(tool));
  return parts.join('\n');
}

/** Tokens as the mock server (and a rough rule for English) counts them: 4 characters a token. */
export const estimateTokens = (chars: number): number => Math.ceil(chars / 4);
