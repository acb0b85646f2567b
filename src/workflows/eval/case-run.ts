/**
 * One eval case as a child run: starts the agent or graph with the case's input and the eval's per-case budget,
 * waits for it, and turns its result (or its failure's partial result) into the facts scorers read.
 */
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import {
  AGENT_WORKFLOW_TYPE,
  type AgentInput,
  type AgentResult,
  type StepRecord,
} from '../../contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, type GraphInput, type GraphResult } from '../../contracts/graph-contract';
import { parseGraphSpec, type GraphSpecInput } from '../../contracts/graph-spec';
import { textStateField } from '../../contracts/graph-input';
import type { ValidEvalInput } from '../../contracts/evals/contract';
import type { CaseRunFacts } from '../../contracts/evals/scorers';
import { boundedText } from '../../contracts/bounded-text';
import type { CostLedger } from '../../contracts/pricing';

type EvalCase = ValidEvalInput['cases'][number];

/** What the eval keeps of a case's run besides the scorers' facts. */
export interface CaseRun {
  workflowId: string;
  facts: CaseRunFacts;
  tokens: number;
  toolCallCount: number;
}

/** Characters of an answer kept in the eval's result (the whole answer is in the child's history). */
const OUTPUT_CHARS = 4_000;

/** Child workflow ids: the eval's id and the case's, so a case's run is found from the report. */
export function caseWorkflowId(caseId: string): string {
  return `${workflowInfo().workflowId}--${caseId}`;
}

function agentChildInput(input: ValidEvalInput, testCase: EvalCase): AgentInput {
  const target = input.target as Extract<ValidEvalInput['target'], { kind: 'agent' }>;
  const text = typeof testCase.input === 'string' ? testCase.input : JSON.stringify(testCase.input);
  return { ...target.agent, input: text, ...(input.caseBudget ? { budget: input.caseBudget } : {}) };
}

function graphChildInput(input: ValidEvalInput, testCase: EvalCase): GraphInput {
  const target = input.target as Extract<ValidEvalInput['target'], { kind: 'graph' }>;
  let values: Record<string, unknown>;
  if (typeof testCase.input === 'string') {
    // Text goes into the graph's text field, as `agentctl start <graph> --input text` does; a spec the child will
    // refuse has none, and the child's own validation then fails the case with the reason.
    const parsed = parseGraphSpec(target.spec);
    const field = parsed.ok ? textStateField(parsed.spec) : undefined;
    values = { [field ?? 'input']: testCase.input };
  } else {
    values = testCase.input;
  }
  return {
    spec: target.spec as GraphSpecInput,
    input: values,
    ...(input.caseBudget ? { budget: input.caseBudget } : {}),
  };
}

function toolCallsOf(steps: StepRecord[] | undefined): CaseRunFacts['toolCalls'] {
  return (steps ?? [])
    .filter((s) => s.kind === 'tool')
    .map((s) => ({ name: s.name, arguments: s.arguments ?? s.summary }));
}

function textOf(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The ApplicationFailure a child run failed with, if it failed with one. */
function childFailureOf(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? cause : undefined;
}

/** A result-shaped object travelling with a failure (BudgetExceeded, MaxStepsExceeded, ModelOutputInvalid). */
function partialOf(err: unknown): Partial<AgentResult & GraphResult> | undefined {
  const details = childFailureOf(err)?.details?.[0];
  return details && typeof details === 'object' ? (details as Partial<AgentResult & GraphResult>) : undefined;
}

const spent = (cost: CostLedger | undefined) => ({ usd: cost?.totalUsd ?? 0, tokens: cost?.totalTokens ?? 0 });

/** Runs one case to its end; a failed run is a failed case (with what it spent), never a failed eval. */
export async function runCase(input: ValidEvalInput, testCase: EvalCase): Promise<CaseRun> {
  const workflowId = caseWorkflowId(testCase.id);
  const started = Date.now();
  const isAgent = input.target.kind === 'agent';
  try {
    if (isAgent) {
      const result = await executeChild(AGENT_WORKFLOW_TYPE, {
        workflowId,
        args: [agentChildInput(input, testCase)],
        staticSummary: `eval ${input.name} · case ${testCase.id}`,
      });
      const r = result as AgentResult;
      return {
        workflowId,
        tokens: spent(r.cost).tokens,
        toolCallCount: r.toolCalls,
        facts: {
          status: 'completed',
          output: boundedText(r.output !== undefined ? textOf(r.output) : r.text, OUTPUT_CHARS),
          ...(r.output !== undefined ? { structured: r.output } : {}),
          toolCalls: toolCallsOf(r.steps),
          steps: r.modelCalls,
          costUsd: spent(r.cost).usd,
          latencyMs: Date.now() - started,
        },
      };
    }
    const r = (await executeChild(GRAPH_WORKFLOW_TYPE, {
      workflowId,
      args: [graphChildInput(input, testCase)],
      staticSummary: `eval ${input.name} · case ${testCase.id}`,
    })) as GraphResult;
    const modelCalls = Object.values(r.cost?.byModel ?? {}).reduce((a, l) => a + l.calls, 0);
    return {
      workflowId,
      tokens: spent(r.cost).tokens,
      toolCallCount: r.steps.filter((s) => s.kind === 'tool').length,
      facts: {
        status: 'completed',
        output: boundedText(textOf(r.output), OUTPUT_CHARS),
        structured: r.output,
        // A graph's own tool nodes; the tool calls of its agents are in their child runs.
        toolCalls: r.steps.filter((s) => s.kind === 'tool').map((s) => ({ name: s.node, arguments: '{}' })),
        steps: modelCalls,
        costUsd: spent(r.cost).usd,
        latencyMs: Date.now() - started,
      },
    };
  } catch (err) {
    // Cancelling the eval cancels its cases; that ends the eval, it is not a failed case.
    if (isCancellation(err)) throw err;
    const partial = partialOf(err);
    const failure = childFailureOf(err);
    const message = failure ? `${failure.type ?? 'Error'}: ${failure.message}` : (err as Error).message;
    return {
      workflowId,
      tokens: spent(partial?.cost).tokens,
      toolCallCount: typeof partial?.toolCalls === 'number' ? partial.toolCalls : 0,
      facts: {
        status: 'failed',
        output: boundedText(textOf(partial?.text ?? partial?.output), OUTPUT_CHARS),
        toolCalls: isAgent ? toolCallsOf(partial?.steps as StepRecord[] | undefined) : [],
        steps: typeof partial?.modelCalls === 'number' ? partial.modelCalls : 0,
        costUsd: spent(partial?.cost).usd,
        latencyMs: Date.now() - started,
        error: boundedText(message, 1_000),
      },
    };
  }
}
