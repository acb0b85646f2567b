/**
 * Starting runs: an agent (a catalog name, an agent spec, or a complete `agentWorkflow` input) or a graph (a
 * shipped name, a spec file or a spec object). Every input is validated before anything reaches Temporal, and
 * the queues the run needs are checked for workers, so "nobody will run this" is known within seconds.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { agentInputFor, type AgentSpec } from '../agents';
import { isGraphReference, loadGraphSpec } from '../agents/graphs';
import { AGENT_WORKFLOW_TYPE, agentInputSchema, type AgentInput } from '../contracts/agent-contract';
import type { BudgetInput } from '../contracts/budget';
import { GRAPH_WORKFLOW_TYPE, type GraphInput } from '../contracts/graph-contract';
import { stateInputProblems, textStateField } from '../contracts/graph-input';
import { parseGraphSpec, type GraphSpec, type GraphSpecInput } from '../contracts/graph-spec';
import { parseModelId } from '../contracts/model-id';
import { agentNameKey } from '../contracts/search-attributes';
import { oneLine, truncate } from '../contracts/text';
import type { AgentCatalog } from '../agents/catalog';
import { exampleInputOf } from '../contracts/agent-spec';
import { resolveAgent } from './agent-catalog';
import { InvalidRunInputError, NoWorkerError, UnknownAgentError, type MissingWorker } from './errors';
import { assertWithinPayloadLimit } from './payload-limit';
import { missingWorkers } from './pollers';

/** Options of `startAgent`; everything but `input` is optional. */
export interface StartAgentOptions {
  /** The request, as plain text (default: the agent's example input). */
  input?: string;
  /** A model id (`provider:model`) instead of the agent's own. */
  model?: string;
  /** Workflow id (default: `<agent>-<8 hex digits>`). */
  id?: string;
  /** Task queue of the workers (default: the client's). */
  taskQueue?: string;
  /** Hard limits for the run (tokens, cost, steps, tool calls, wall clock). */
  budget?: BudgetInput;
  /** Throw NoWorkerError instead of starting when no worker would run it (default: start, and warn). */
  requireWorkers?: boolean;
  /**
   * The id names one run for good: a start with an id already used returns that run instead of starting another,
   * while it runs (conflict policy USE_EXISTING) and after it closed (id-reuse policy REJECT_DUPLICATE, which
   * throws WorkflowExecutionAlreadyStartedError). The HTTP API's Idempotency-Key relies on it.
   */
  idempotent?: boolean;
}

/** Options of `startGraph`. */
export interface StartGraphOptions {
  /** Initial state values: an object of declared state fields, or plain text for the graph's first field. */
  input?: Record<string, unknown> | string;
  id?: string;
  taskQueue?: string;
  /** Hard limits over the whole run tree; overrides the spec's `budget`. */
  budget?: BudgetInput;
  requireWorkers?: boolean;
  /**
   * The id names one run for good: a start with an id already used returns that run instead of starting another,
   * while it runs (conflict policy USE_EXISTING) and after it closed (id-reuse policy REJECT_DUPLICATE, which
   * throws WorkflowExecutionAlreadyStartedError). The HTTP API's Idempotency-Key relies on it.
   */
  idempotent?: boolean;
}

/** A run that was started. */
export interface StartedRun {
  workflowId: string;
  /** The first run's id (a run that continues as new gets more; the workflow id stays). */
  runId: string;
  taskQueue: string;
  workflowType: typeof AGENT_WORKFLOW_TYPE | typeof GRAPH_WORKFLOW_TYPE;
  /** The agent's or graph's name. */
  name: string;
  /** The agent's model (agent runs). */
  model?: string;
  /** Queues nobody polls: the run waits until a worker comes (empty when every queue has one). */
  warnings: MissingWorker[];
}

/** Start options that make an id name one run for good (see `idempotent`). */
const idPolicies = (idempotent: boolean | undefined) =>
  idempotent
    ? { workflowIdConflictPolicy: 'USE_EXISTING' as const, workflowIdReusePolicy: 'REJECT_DUPLICATE' as const }
    : {};

/** An agent as the caller gives it: a catalog name, a spec, or a complete workflow input. */
export type AgentReference = string | AgentSpec | AgentInput;

// A spec has a `name` and no request; a workflow input names its agent with `agent` and carries `input`.
const isSpec = (agent: AgentSpec | AgentInput): agent is AgentSpec => 'name' in agent && !('input' in agent);

/** `<name>-<8 hex digits>`: readable in lists, unique enough for one person's runs. */
const generatedId = (name: string): string => `${name}-${randomBytes(4).toString('hex')}`;

function problems(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ');
}

/** The validated `agentWorkflow` input for an agent reference and options. */
export function agentInputOf(
  agent: AgentReference,
  options: Pick<StartAgentOptions, 'input' | 'model' | 'budget'>,
  catalog?: AgentCatalog,
) {
  let input: AgentInput;
  if (typeof agent === 'string') {
    const spec = catalog ? resolveAgent(agent, catalog) : undefined;
    if (!spec) {
      const known = catalog ? catalog.unknownAgentError(agent).message : `unknown agent "${agent}"`;
      throw new UnknownAgentError(agent, `${known} (graphs: agentctl graphs, or a spec file)`);
    }
    input = agentInputFor(spec, options.input ?? exampleInputOf(spec), options.model);
  } else if (isSpec(agent)) {
    input = agentInputFor(agent, options.input ?? exampleInputOf(agent), options.model);
  } else {
    input = {
      ...agent,
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.model ? { model: options.model } : {}),
    };
  }
  if (options.budget) input = { ...input, budget: options.budget };
  const checked = agentInputSchema.safeParse(input);
  if (!checked.success) {
    throw new InvalidRunInputError(
      `the input for ${input.agent ?? 'the agent'} is invalid: ${problems(checked.error.issues)}`,
    );
  }
  return input;
}

/** Providers of the models an input may call: its model and its fallbacks. */
function agentProviders(input: AgentInput): string[] {
  return [input.model, ...(input.fallbackModels ?? [])].map((m) => parseModelId(m).provider);
}

/** Every `model` (and `fallbackModels`) a graph spec names, anywhere: agents, llm nodes, routers, selectors. */
function graphProviders(spec: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key === 'model' || key === 'fallbackModels') {
        try {
          found.push(parseModelId(value).provider);
        } catch {
          // The spec was validated; a string that is not a model id here is not a model field.
        }
      }
      return;
    }
    if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(spec);
  return found;
}

/** The graph spec for a name, a spec file path, or a spec object. */
export function graphSpecOf(graph: string | GraphSpecInput): GraphSpec {
  if (typeof graph === 'string') return loadGraphSpec(graph);
  const parsed = parseGraphSpec(graph);
  if (!parsed.ok) throw new InvalidRunInputError(`invalid graph spec: ${parsed.problems.join('; ')}`);
  return parsed.spec;
}

/** Whether a name means a graph (a shipped graph or a spec file) rather than an agent. */
export function isGraphName(name: string, catalog: AgentCatalog): boolean {
  return !resolveAgent(name, catalog) && isGraphReference(name);
}

/**
 * Initial state values: an object of declared state fields, or plain text for the first state field declared
 * `type: string` that no node writes. Values are checked against the declared types before anything starts.
 */
export function graphValuesOf(spec: GraphSpec, input: StartGraphOptions['input']): Record<string, unknown> {
  if (input === undefined) return {};
  let values: Record<string, unknown>;
  if (typeof input === 'string') {
    const field = textStateField(spec);
    if (!field)
      throw new InvalidRunInputError(`graph ${spec.name} declares no string state field that text input could go into`);
    values = { [field]: input };
  } else {
    values = input;
  }
  const problems = stateInputProblems(spec.state, values);
  if (problems.length) throw new InvalidRunInputError(`--input for graph ${spec.name}: ${problems.join('; ')}`);
  return values;
}

async function checkWorkers(
  client: Client,
  taskQueue: string,
  providers: string[],
  required: boolean | undefined,
): Promise<MissingWorker[]> {
  const missing = await missingWorkers(client, taskQueue, providers);
  if (missing.length && required)
    throw new NoWorkerError(missing, `nothing was started: ${missing.map((m) => m.message).join('; ')}`);
  return missing;
}

/** Starts an `agentWorkflow` run. */
export async function startAgentRun(
  client: Client,
  defaultTaskQueue: string,
  agent: AgentReference,
  options: StartAgentOptions = {},
  catalog?: AgentCatalog,
): Promise<StartedRun> {
  const input = agentInputOf(agent, options, catalog);
  const name = input.agent ?? 'agent';
  const workflowId = options.id ?? generatedId(name);
  const taskQueue = options.taskQueue ?? defaultTaskQueue;
  assertWithinPayloadLimit(input, `the input of ${name}`);
  const warnings = await checkWorkers(client, taskQueue, agentProviders(input), options.requireWorkers);
  const handle = await client.workflow.start(AGENT_WORKFLOW_TYPE, {
    workflowId,
    taskQueue,
    args: [input],
    ...idPolicies(options.idempotent),
    staticSummary: truncate(`${name} · ${input.model} · ${oneLine(input.input)}`, 200),
    typedSearchAttributes: [{ key: agentNameKey, value: name }],
  });
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    taskQueue,
    workflowType: AGENT_WORKFLOW_TYPE,
    name,
    model: input.model,
    warnings,
  };
}

/** Starts a `graphWorkflow` run. */
export async function startGraphRun(
  client: Client,
  defaultTaskQueue: string,
  graph: string | GraphSpecInput,
  options: StartGraphOptions = {},
): Promise<StartedRun> {
  const spec = graphSpecOf(graph);
  const values = graphValuesOf(spec, options.input);
  const workflowId = options.id ?? generatedId(spec.name);
  const taskQueue = options.taskQueue ?? defaultTaskQueue;
  const input: GraphInput = { spec, input: values, ...(options.budget ? { budget: options.budget } : {}) };
  assertWithinPayloadLimit(input, `the graph input (spec ${spec.name} and --input)`);
  const warnings = await checkWorkers(client, taskQueue, graphProviders(spec), options.requireWorkers);
  const handle = await client.workflow.start(GRAPH_WORKFLOW_TYPE, {
    workflowId,
    taskQueue,
    args: [input],
    ...idPolicies(options.idempotent),
    staticSummary: truncate(`graph ${spec.name} · ${spec.description}`, 200),
    typedSearchAttributes: [{ key: agentNameKey, value: spec.name }],
  });
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    taskQueue,
    workflowType: GRAPH_WORKFLOW_TYPE,
    name: spec.name,
    warnings,
  };
}
