/**
 * The public contract of `agentWorkflow`: its input, result, `state` query and approval signals.
 * Workflow, worker and client all import these definitions, so their names cannot drift apart.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { messageSchema, type Message, type Usage } from './messages';
import { modelIdSchema } from './model-id';
import { mcpServerRefSchema } from './mcp-servers';
import { agentAllowHostsSchema } from './tool-specs';
import type { CostLedger } from './pricing';
import { contextSettingsSchema, type ContextCompaction } from './context-window';
import { budgetSchema, type BudgetStatus } from './budget';
import { circuitBreakerSchema, type ModelRoutingState } from './model-routing';
import { carryOverSchema } from './carry-over';
import { approvalBindingSchema } from './approval-binding';
import type { WebhookState } from './webhooks';
import { replaySourceSchema, type ReplayTotals } from './evals/replay';

export const AGENT_WORKFLOW_TYPE = 'agentWorkflow';
export const DEFAULT_TASK_QUEUE = 'durable-agents';

/** How long a gate waits, and what happens when nobody decides in time (a durable timer). */
export const approvalTimeoutSchema = z
  .object({
    after: z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration such as 30s, 15m, 2h, 3d'),
    onTimeout: z.enum(['reject', 'approve', 'fail']),
  })
  .strict();
export type ApprovalTimeout = z.infer<typeof approvalTimeoutSchema>;

/** Names of the people allowed to decide a gate; a decision from anyone else is refused. */
export const approversSchema = z.array(z.string().min(1).max(200)).min(1).max(100);

/**
 * An HMAC-SHA256 signature of a decision (hex), made by agentctl when AGENT_APPROVAL_SECRET is set and checked
 * by the worker in an activity, so the secret never enters history.
 */
const signatureSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'an HMAC-SHA256 signature in hex')
  .optional();
/**
 * Set by decisions passed down to a child run before approvals were bound to one run and one content: the run
 * and approval id the signature was made for. Still accepted so such signals parse; such a decision no longer
 * verifies (its signature lacks the binding).
 */
const signedAsSchema = z
  .object({ workflowId: z.string().min(1), approvalId: z.string().min(1) })
  .strict()
  .optional();
/**
 * The approval, in one run of one workflow, and the digest of what the person was shown, that this decision
 * was made for (from the `state` query's pending approval). A decision bound elsewhere (another run, a fork,
 * a sibling branch, changed content) is refused; when AGENT_APPROVAL_SECRET is set the signature covers it.
 */
const boundToSchema = approvalBindingSchema.optional();

export const agentInputSchema = z
  .object({
    /** Name of the agent; shown in the Web UI and kept in the AgentName search attribute. */
    agent: z.string().min(1).max(100).default('agent'),
    /** The system prompt: what the agent is and how it works. */
    instructions: z.string().min(1),
    /** The user's request for this run. */
    input: z.string().min(1),
    model: modelIdSchema,
    /** Names of the tools this agent may call; nothing else is offered to the model or run. */
    tools: z.array(z.string().min(1)).default([]),
    /**
     * MCP servers whose tools the agent may call, offered as `<server>__<tool>`: names of servers the worker's
     * operator declared, each optionally narrowed to some tools (`{ name, allowTools }`). A command, URL or
     * environment variable name is refused here: only the operator sets those.
     */
    mcpServers: z.array(mcpServerRefSchema).default([]),
    /**
     * The only hosts this agent's `http_fetch` calls may reach (`docs.example.com`, `*.example.com`). It narrows
     * the worker's limits and never widens them: private addresses stay refused unless the worker allows them.
     */
    httpFetchAllowHosts: agentAllowHostsSchema.optional(),
    /** Upper bound on model calls in the loop. */
    maxSteps: z.number().int().min(1).max(1000).default(10),
    /** When given, the final answer must be JSON valid against this JSON schema. */
    outputSchema: z.record(z.string(), z.unknown()).optional(),
    /**
     * Tools that wait for a person's `approve` before they run, on top of those that need it by default
     * (destructive ones); a `reject` becomes the tool's result.
     */
    approvalRequiredTools: z.array(z.string().min(1)).default([]),
    /** How long tool approvals wait and what happens then; without it they wait indefinitely. */
    approvalTimeout: approvalTimeoutSchema.optional(),
    /** Who may decide this agent's approvals (`by` of the decision); anyone when absent. */
    approvers: approversSchema.optional(),
    /** Earlier conversation to continue from (for example after continue-as-new). */
    history: z.array(messageSchema).default([]),
    maxOutputTokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(2).optional(),
    /** Context window management: what to drop or summarize when the conversation outgrows the model. */
    context: contextSettingsSchema.optional(),
    /**
     * Pass the conversation to model activities by reference (the conversation store) rather than whole, so
     * history grows linearly with the turns. Off only for workers that cannot share a store.
     */
    conversationByReference: z.boolean().default(true),
    /** Hard limits over this run and every run it starts; checked before each model call. */
    budget: budgetSchema.optional(),
    /** Models to switch to, in order, when the current model's provider circuit opens. */
    fallbackModels: z.array(modelIdSchema).max(5).default([]),
    /** When a provider's circuit opens (only used with fallbackModels). */
    circuitBreaker: circuitBreakerSchema.default({ failureThreshold: 3 }),
    /** Start-to-close timeout of one model call attempt (default 120s); a slower reply is cut off and retried. */
    modelTimeout: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(ms|s|m|h)$/, 'a duration such as 30s or 2m')
      .optional(),
    /**
     * Attempts a model call gets before the run ends in the provider's typed failure (`ProviderUnavailable`,
     * `RateLimited`, …). Unset, Temporal retries a retryable provider fault for as long as the run lives, which
     * is right for outages a run should outlast; set it when a run should give up instead.
     */
    modelMaxAttempts: z.number().int().min(1).max(1000).optional(),
    /**
     * Continue as new after this many steps in one run (Temporal's own suggestion also triggers it), so a long
     * run's history stays small; totals carry over.
     */
    continueAsNewAfterSteps: z.number().int().min(1).max(10000).optional(),
    /** Set by the run that continued as new: what the new run takes over. Not for callers. */
    carryOver: carryOverSchema.optional(),
    /**
     * Makes this a replay run: model calls whose request is the same as one the recorded run made are answered
     * from its recording at no cost (the recorded run by ids, or the exchanges a saved history gave); the others
     * call the model (docs/evals.md, Replay). Ids only: the worker reads the recorded run through Temporal.
     */
    replay: replaySourceSchema.optional(),
  })
  .strict();

/** What callers pass; defaults are filled in by the workflow's validation. */
export type AgentInput = z.input<typeof agentInputSchema>;
export type ValidAgentInput = z.output<typeof agentInputSchema>;

export type AgentStatus = 'running' | 'awaiting_approval' | 'completed' | 'failed' | 'cancelled' | 'budget_exceeded';

/** One row of the run's step log, as the `state` query and `agentctl status` show it. */
export interface StepRecord {
  /** 1-based model-call number this record belongs to. */
  step: number;
  kind: 'model' | 'tool';
  /** Model id for model steps, tool name for tool steps. */
  name: string;
  status: 'running' | 'ok' | 'error' | 'awaiting_approval' | 'rejected';
  /** Short human-readable outcome: the answer's first words, the tool calls asked for, or the error. */
  summary: string;
  usage?: Usage;
  toolCallId?: string;
  /**
   * Tool steps: the arguments the call ran with (JSON text, its head when long), so evals can score tool calls
   * by their arguments; the full text is in history.
   */
  arguments?: string;
  /** Model steps: bytes of the activity's input and output payloads as the workflow sent and received them. */
  payloadBytes?: { input: number; output: number };
  /** Model steps of replay runs: answered from the recording (true) or by the model (false). */
  replayed?: boolean;
  /** Model steps of replay runs: what this step cost (0 when replayed). */
  costUsd?: number;
  /** Model steps of replay runs: what the recorded answer had cost, when replayed. */
  savedUsd?: number;
}

export interface PendingApproval {
  approvalId: string;
  /** What waits: `tool write_file`. */
  what: string;
  why: string;
  /** The proposed tool arguments, as JSON text. */
  proposed: string;
  requestedAt: string;
  /** Set when the approval waits in a child run; deciding it here passes the decision on. */
  childWorkflowId?: string;
  /** When the gate gives up and what it does then. */
  timeout?: ApprovalTimeout;
  /** Who may decide; anyone when absent. */
  approvers?: string[];
  /**
   * Hex SHA-256 of what a person is shown (`what`, `why`, `proposed`; see `approvalDigest`). A decision binds
   * it, and the run that executes the call checks it again.
   */
  digest?: string;
  /** The run a decision must be bound to: the run that shows this approval (the root's, for a child's). */
  runId?: string;
  /** For an approval raised in a child run: its id there. */
  childApprovalId?: string;
}

/** A decision the run refused (unsigned, wrongly signed, or from someone not among the approvers). */
export interface RefusedDecision {
  approvalId: string;
  decision: 'approve' | 'reject';
  by?: string;
  problem: string;
}

export interface AgentState {
  workflowType: typeof AGENT_WORKFLOW_TYPE;
  agent: string;
  model: string;
  status: AgentStatus;
  step: number;
  maxSteps: number;
  steps: StepRecord[];
  pendingApprovals: PendingApproval[];
  usage: Usage;
  cost: CostLedger;
  /** The last few messages, each trimmed, so a query stays small however long the run. */
  lastMessages: Message[];
  error?: string;
  /** Each time context window management shortened the conversation. */
  contextCompactions?: ContextCompaction[];
  /** Limits, spend and what is left, when the run has a budget. */
  budget?: BudgetStatus;
  /** Fallback chain, provider circuits and model switches, when the agent has fallback models. */
  routing?: ModelRoutingState;
  /** Decisions refused by approval verification; present once one was refused. */
  refusedDecisions?: RefusedDecision[];
  /** Runs of this workflow id so far, when it has continued as new; totals cover all of them. */
  runs?: number;
  /** Webhook deliveries of this run (this run only, not earlier ones), when a subscription wants its events. */
  webhooks?: WebhookState;
  /** Replay runs: model calls replayed and live, and the money the replayed ones saved. */
  replay?: ReplayTotals;
}

export interface AgentResult {
  agent: string;
  /** The final answer's text. */
  text: string;
  /** The structured answer, when the input gave an output schema. */
  output?: unknown;
  steps: StepRecord[];
  modelCalls: number;
  toolCalls: number;
  usage: Usage;
  cost: CostLedger;
  budget?: BudgetStatus;
  routing?: ModelRoutingState;
  /** Runs of this workflow id, when it continued as new; totals cover all of them. */
  runs?: number;
  /** Replay runs: model calls replayed and live, and the money the replayed ones saved (this run's). */
  replay?: ReplayTotals;
}

export const approvalDecisionSchema = z
  .object({
    approvalId: z.string().min(1).optional(),
    by: z.string().max(200).optional(),
    comment: z.string().max(5000).optional(),
    /** Edited tool arguments (an object or its JSON text), validated against the tool's schema. */
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    signature: signatureSchema,
    signedAs: signedAsSchema,
    boundTo: boundToSchema,
  })
  .strict();
export const rejectionSchema = z
  .object({
    approvalId: z.string().min(1).optional(),
    by: z.string().max(200).optional(),
    reason: z.string().max(5000).optional(),
    signature: signatureSchema,
    signedAs: signedAsSchema,
    boundTo: boundToSchema,
  })
  .strict();
export type ApproveInput = z.infer<typeof approvalDecisionSchema>;
export type RejectInput = z.infer<typeof rejectionSchema>;

export const decisionSchema = z
  .object({
    approvalId: z.string().min(1).optional(),
    decision: z.enum(['approve', 'reject']),
    by: z.string().max(200).optional(),
    comment: z.string().max(5000).optional(),
    reason: z.string().max(5000).optional(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    signature: signatureSchema,
    signedAs: signedAsSchema,
    boundTo: boundToSchema,
  })
  .strict();
export type DecideInput = z.infer<typeof decisionSchema>;

export interface DecideResult {
  approvalId: string;
  decision: 'approved' | 'rejected';
  /** The child run the decision was passed on to, when the approval was raised there. */
  forwardedTo?: string;
}

/**
 * A child run's pending approvals, sent to its parent whenever they change. Anyone can send this signal, so a
 * parent takes it only as a nudge, for a child it started, to read that child's approvals from the child.
 */
export interface ChildApprovalsReport {
  childWorkflowId: string;
  pending: PendingApproval[];
}

export const approveSignal = defineSignal<[ApproveInput]>('approve');
/** Answers synchronously: an unknown or already-decided approval id is refused by the validator. */
export const decideUpdate = defineUpdate<DecideResult, [DecideInput]>('decide');
export const childApprovalsSignal = defineSignal<[ChildApprovalsReport]>('childApprovals');
export const rejectSignal = defineSignal<[RejectInput]>('reject');
export const stateQuery = defineQuery<AgentState>('state');
