/**
 * The typed client an application uses: start agent and graph runs, read their state and results, decide their
 * approvals, cancel, fork, list, and follow their live events. Every method is plain Temporal API underneath
 * (start, query, update, describe, reset, list), so the same runs can be driven with the stock `temporal` CLI.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { DecideInput } from '../contracts/agent-contract';
import { DEFAULT_TASK_QUEUE } from '../contracts/agent-contract';
import type { GraphSpecInput } from '../contracts/graph-spec';
import { sendDecision, type ApproveOptions, type DecisionOutcome, type RejectOptions } from './decide';
import { RunNotOpenError, StateUnavailableError, type RunFailedError } from './errors';
import { runEvents, type EventsOptions, type RunEvent } from './events';
import { forkRun, type ForkOutcome } from './fork';
import { retryRun, type RetryOutcome } from './retry';
import { listRuns, listRunsPage, type ListOptions, type RunPage, type RunSummary } from './list';
import { queryState, type StateAnswer } from './live-state';
import { runOutcome, type RunOutcome } from './outcome';
import { pollRun, type PollOptions, type RunSnapshot } from './run-poller';
import {
  startAgentRun,
  startGraphRun,
  type AgentReference,
  type StartAgentOptions,
  type StartedRun,
  type StartGraphOptions,
} from './start';
import type { RunResult, RunState } from './types';
import type { AgentCatalog } from '../agents/catalog';
import { agentCatalogFor } from './agent-catalog';
import type { TokenEvent } from '../contracts/tokens';
import type { TokenBroker } from '../streaming/broker';
import { runTokens, type TokensOptions } from './tokens';
import { evalResultOf, evalStateOf, startEvalRun, type StartEvalOptions, type StartedEval } from './evals';
import type { EvalInput, EvalResult, EvalState } from '../contracts/evals/contract';
import type { EvalScheduleInput, ValidEvalScheduleInput } from '../contracts/evals/schedule';
import {
  createEvalSchedule,
  deleteEvalSchedule,
  listEvalSchedules,
  triggerEvalSchedule,
  type EvalScheduleSummary,
} from './eval-schedules';

/** Options of `createAgentClient`. */
export interface AgentClientOptions {
  /** A connected Temporal client (its namespace, data converter and interceptors are used as they are). */
  client: Client;
  /** Task queue runs start on unless a call names another (default `durable-agents`). */
  taskQueue?: string;
  /** AGENT_APPROVAL_SECRET: when set, every decision is signed so the worker can tell it from a forged one. */
  approvalSecret?: string;
  /** A folder of the user's own agent specs (AGENT_SPECS_DIR), found by name by `startAgent` beside the shipped ones. */
  specsDir?: string;
  /**
   * The token broker the workers publish live text to (the same `createPostgresTokenBroker(url)`, or the
   * in-process broker the worker of this process was given); `tokens()` needs it.
   */
  tokens?: TokenBroker;
}

/** The durable-agents client. */
export class AgentClient {
  /** The Temporal client underneath, for anything this API does not cover. */
  readonly temporal: Client;
  /** The default task queue. */
  readonly taskQueue: string;
  private readonly approvalSecret?: string;
  private readonly tokenBroker?: TokenBroker;
  /** Shipped agents plus the user's specs folder; `startAgent('name')` looks names up here. */
  readonly agents: AgentCatalog;

  constructor(options: AgentClientOptions) {
    this.temporal = options.client;
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    if (options.approvalSecret) this.approvalSecret = options.approvalSecret;
    this.agents = agentCatalogFor(options.specsDir);
    if (options.tokens) this.tokenBroker = options.tokens;
  }

  /** Whether `tokens()` can follow live text: the client was given a token broker. */
  get hasTokens(): boolean {
    return this.tokenBroker !== undefined;
  }

  /** The namespace runs live in. */
  get namespace(): string {
    return this.temporal.options.namespace;
  }

  /**
   * Starts an agent run: a catalog name (`research-assistant`), an agent spec, or a complete `agentWorkflow` input.
   * `warnings` lists the queues nobody polls (the run waits for a worker); `requireWorkers` throws NoWorkerError instead.
   */
  startAgent(agent: AgentReference, options: StartAgentOptions = {}): Promise<StartedRun> {
    return startAgentRun(this.temporal, this.taskQueue, agent, options, this.agents);
  }

  /** Starts a graph run: a shipped graph name, a spec file path, or a spec object. */
  startGraph(graph: string | GraphSpecInput, options: StartGraphOptions = {}): Promise<StartedRun> {
    return startGraphRun(this.temporal, this.taskQueue, graph, options);
  }

  /** Starts an eval (`evalWorkflow`): every case through the target, scored; the input is validated first. */
  startEval(input: EvalInput, options: StartEvalOptions = {}): Promise<StartedEval> {
    return startEvalRun(this.temporal, this.taskQueue, input, options);
  }

  /** An eval's progress (its `state` query). */
  evalState(workflowId: string): Promise<EvalState> {
    return evalStateOf(this.temporal, workflowId);
  }

  /** Waits for an eval's result: one row per case and the summary. */
  evalResult(workflowId: string): Promise<EvalResult> {
    return evalResultOf(this.temporal, workflowId);
  }

  /** What the server knows of the run without a worker (status, task queue, search attributes); throws for an unknown id. */
  describe(workflowId: string): Promise<WorkflowExecutionDescription> {
    return this.temporal.workflow.getHandle(workflowId).describe();
  }

  /** The live `state` query (agent or graph state); throws StateUnavailableError when no worker answers. */
  async getState(workflowId: string): Promise<RunState> {
    const answer = await this.tryGetState(workflowId);
    if (!answer.ok) throw new StateUnavailableError(workflowId, answer.reason);
    return answer.state;
  }

  /** The live state, or why it could not be read (no worker, a deadline), without throwing for that. */
  async tryGetState(workflowId: string, description?: WorkflowExecutionDescription): Promise<StateAnswer> {
    const taskQueue = (description ?? (await this.describe(workflowId))).taskQueue;
    return queryState(this.temporal, workflowId, taskQueue);
  }

  /**
   * Waits for the run and returns its result; throws RunFailedError (with the root cause) when it failed, was
   * cancelled, terminated or timed out. A graph result's `status` says whether it reached its goal.
   */
  async result(workflowId: string): Promise<RunResult> {
    const outcome = await this.outcome(workflowId);
    if (outcome.outcome !== 'completed') throw outcome.error;
    return outcome.result;
  }

  /** Waits for the run and returns how it ended, without throwing for a failed run. */
  outcome(workflowId: string): Promise<RunOutcome> {
    return runOutcome(this.temporal, workflowId);
  }

  /** The root cause of a closed run that did not complete (the state only knows "Activity task failed"). */
  async failureOf(workflowId: string, known?: WorkflowExecutionDescription): Promise<RunFailedError | undefined> {
    const description = known ?? (await this.describe(workflowId));
    if (['RUNNING', 'CONTINUED_AS_NEW', 'COMPLETED'].includes(description.status.name)) return undefined;
    const outcome = await this.outcome(workflowId);
    return outcome.outcome === 'completed' ? undefined : outcome.error;
  }

  /** Approves a pending tool call or gate through `decide`; refusals are DecisionRefusedError subclasses. */
  approve(workflowId: string, options: ApproveOptions = {}): Promise<DecisionOutcome> {
    const decision: Omit<DecideInput, 'approvalId'> & { approvalId?: string } = { decision: 'approve' };
    if (options.approvalId !== undefined) decision.approvalId = options.approvalId;
    if (options.by !== undefined) decision.by = options.by;
    if (options.comment !== undefined) decision.comment = options.comment;
    if (options.args !== undefined) decision.arguments = options.args;
    return sendDecision(this.temporal, workflowId, decision, this.approvalSecret);
  }

  /** Rejects a pending tool call or gate; the agent reads the reason (a graph follows its reject edge). */
  reject(workflowId: string, options: RejectOptions): Promise<DecisionOutcome> {
    const decision: Omit<DecideInput, 'approvalId'> & { approvalId?: string } = {
      decision: 'reject',
      reason: options.reason,
    };
    if (options.approvalId !== undefined) decision.approvalId = options.approvalId;
    if (options.by !== undefined) decision.by = options.by;
    return sendDecision(this.temporal, workflowId, decision, this.approvalSecret);
  }

  /** Asks the run to cancel (in-flight model and tool calls are cancelled too); throws RunNotOpenError when closed. */
  async cancel(workflowId: string): Promise<void> {
    const handle = this.temporal.workflow.getHandle(workflowId);
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') {
      const status = description.status.name.toLowerCase();
      throw new RunNotOpenError(workflowId, status, `run ${workflowId} is already ${status}; nothing to cancel`);
    }
    await handle.cancel();
  }

  /** Retries the run from step N (a Temporal reset): steps before N come back from history, step N runs afresh. */
  fork(workflowId: string, options: { fromStep: number; reason?: string }): Promise<ForkOutcome> {
    return forkRun(this.temporal, workflowId, options);
  }

  /**
   * Retries a run that failed (timed out, was terminated or cancelled): an agent run from its failing step (a fork),
   * otherwise anew under a new id with the same input; `mode` says which.
   */
  retry(workflowId: string): Promise<RetryOutcome> {
    return retryRun(this.temporal, workflowId);
  }

  /** Agent and graph runs, newest first, filtered by status, awaiting approval, agent name. */
  list(options: ListOptions = {}): Promise<RunSummary[]> {
    return listRuns(this.temporal, options);
  }

  /** One page of `list`, with the token of the next page (absent on the last one). */
  listPage(options: ListOptions & { pageToken?: string } = {}): Promise<RunPage> {
    return listRunsPage(this.temporal, options);
  }

  /** Live events of the run until it ends, following continue-as-new; resume with `after` (an event id). */
  events(workflowId: string, options: EventsOptions = {}): AsyncIterable<RunEvent> {
    return runEvents(this.temporal, workflowId, options);
  }

  /**
   * Live text of the run's model calls as the models write it (each attempt afresh; the text so far first when
   * joining mid-call), until `signal` aborts. Tokens are not in Temporal history: `events()` tells the steps.
   */
  tokens(workflowId: string, options: TokensOptions = {}): AsyncIterable<TokenEvent> {
    return runTokens(this.tokenBroker, workflowId, options);
  }

  /** Raw snapshots of the run (state, children, description) until it ends, as `events` derives them. */
  snapshots(workflowId: string, options: PollOptions = {}): AsyncIterable<RunSnapshot> {
    return pollRun(this.temporal, workflowId, options);
  }

  /** Creates a scheduled eval: every `every` (`1h`), sample the agent's completed runs, score them, alert on drops. */
  scheduleEval(input: EvalScheduleInput, every: string): Promise<ValidEvalScheduleInput> {
    return createEvalSchedule(this.temporal, this.taskQueue, input, every);
  }

  /** The scheduled evals. */
  evalSchedules(): Promise<EvalScheduleSummary[]> {
    return listEvalSchedules(this.temporal);
  }

  /** Deletes a scheduled eval (recorded scores stay). */
  deleteEvalSchedule(scheduleId: string): Promise<void> {
    return deleteEvalSchedule(this.temporal, scheduleId);
  }

  /** Runs one tick of a scheduled eval now. */
  triggerEvalSchedule(scheduleId: string): Promise<void> {
    return triggerEvalSchedule(this.temporal, scheduleId);
  }
}
