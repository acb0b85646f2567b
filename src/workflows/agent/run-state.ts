/**
 * The live record of one agent run: steps, usage, cost and status. The workflow mutates it as the run
 * moves; the `state` query, the search attributes and the Web UI's current details all read from it.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type {
  AgentResult,
  AgentState,
  AgentStatus,
  PendingApproval,
  RefusedDecision,
  StepRecord,
  ValidAgentInput,
} from '../../contracts/agent-contract';
import { addUsage, emptyUsage, type Message, type Usage } from '../../contracts/messages';
import type { ContextCompaction } from '../../contracts/context-window';
import { emptyLedger, recordUsage, type CostLedger, type ModelPrice } from '../../contracts/pricing';
import { spendOf, type BudgetSpend } from '../../contracts/budget';
import type { ModelRoutingState } from '../../contracts/model-routing';
import { BudgetTracker } from '../kernel/budget';
import {
  agentCostUsdKey,
  agentModelKey,
  agentNameKey,
  agentStatusKey,
  agentTokensKey,
  awaitingApprovalKey,
} from '../../contracts/search-attributes';
import { countModelCall } from '../kernel/metrics';
import { truncate } from '../../contracts/text';
import { boundedText, withBoundedSummary } from '../../contracts/bounded-text';
import type { WebhookState } from '../../contracts/webhooks';
import { webhooksOf } from '../kernel/webhooks';

/** How many messages the `state` query returns, and how long each may be; a query must stay small. */
const LAST_MESSAGES = 6;
const MESSAGE_CHARS = 500;

function trimMessage(m: Message): Message {
  if (m.role === 'assistant') {
    return {
      ...m,
      content: truncate(m.content, MESSAGE_CHARS),
      toolCalls: m.toolCalls?.map((c) => ({ ...c, arguments: truncate(c.arguments, MESSAGE_CHARS) })),
    };
  }
  return { ...m, content: truncate(m.content, MESSAGE_CHARS) };
}

export class RunState {
  status: AgentStatus = 'running';
  step = 0;
  readonly steps: StepRecord[] = [];
  readonly pendingApprovals: PendingApproval[] = [];
  readonly refusedDecisions: RefusedDecision[] = [];
  /** Pending approvals here and in child runs; the approval gates install it. */
  surfacedApprovals?: () => PendingApproval[];
  usage: Usage = emptyUsage();
  cost: CostLedger = emptyLedger();
  modelCalls = 0;
  toolCalls = 0;
  error?: string;
  readonly contextCompactions: ContextCompaction[] = [];
  readonly budget: BudgetTracker;
  /** The fallback chain and circuits, when the agent has fallback models; the model router installs it. */
  routing?: ModelRoutingState;
  /** Runs of this workflow id so far (1 until it continues as new), and step records left behind by them. */
  runs = 1;
  stepsDropped = 0;
  /** The last messages before this run, when the conversation came over by reference (already trimmed). */
  earlierMessages: Message[] = [];
  /** The run's webhook deliveries, for the state query; set once the run knows its subscriptions. */
  webhooks?: { state(): WebhookState | undefined };

  constructor(
    private readonly input: ValidAgentInput,
    private readonly conversation: readonly Message[],
  ) {
    this.budget = new BudgetTracker(input.budget, `agent ${input.agent}`, input.carryOver?.wallClockStartedAt);
  }

  /** What this run has spent, in the terms budgets count. */
  spend(): BudgetSpend {
    return spendOf(this);
  }

  /** The run's result: the final answer on success, or what there is so far when a budget stops it. */
  result(text: string, output?: unknown): AgentResult {
    const budget = this.budget.status(this.spend());
    return {
      agent: this.input.agent,
      text,
      ...(output !== undefined ? { output } : {}),
      steps: this.steps,
      modelCalls: this.modelCalls,
      toolCalls: this.toolCalls,
      usage: this.usage,
      cost: this.cost,
      ...(budget ? { budget } : {}),
      ...(this.routing ? { routing: this.routing } : {}),
      ...(this.runs > 1 ? { runs: this.runs } : {}),
    };
  }

  /** Publishes the run's identity; called once when the run starts. */
  announce(): void {
    upsertSearchAttributes([
      { key: agentNameKey, value: this.input.agent },
      // In this same upsert (no extra history event): spend per model reads it (GET /v1/costs).
      { key: agentModelKey, value: this.input.model },
      { key: agentStatusKey, value: this.status },
      // Totals carried over from earlier runs count from the start (0 for a first run).
      { key: agentTokensKey, value: this.usage.inputTokens + this.usage.outputTokens },
      { key: agentCostUsdKey, value: this.cost.totalUsd },
      { key: awaitingApprovalKey, value: false },
    ]);
    this.publishDetails();
  }

  /** Records a step; its summary is bounded (the full tool output or arguments stay in history). */
  addStep(record: StepRecord): StepRecord {
    Object.assign(record, withBoundedSummary(record));
    this.steps.push(record);
    this.publishDetails();
    return record;
  }

  updateStep(record: StepRecord, patch: Partial<StepRecord>): void {
    Object.assign(record, withBoundedSummary(patch));
    this.publishDetails();
  }

  recordModelUsage(model: string, usage: Usage, price?: ModelPrice): void {
    this.modelCalls += 1;
    this.usage = addUsage(this.usage, usage);
    const before = this.cost.totalUsd;
    this.cost = recordUsage(this.cost, { model, agent: this.input.agent, usage, ...(price ? { price } : {}) });
    countModelCall({ model, agent: this.input.agent, usage, usd: this.cost.totalUsd - before });
    upsertSearchAttributes([
      { key: agentTokensKey, value: this.usage.inputTokens + this.usage.outputTokens },
      { key: agentCostUsdKey, value: this.cost.totalUsd },
    ]);
  }

  recordCompaction(compaction: ContextCompaction): void {
    this.contextCompactions.push(compaction);
    this.publishDetails();
  }

  setStatus(status: AgentStatus, error?: string): void {
    this.status = status;
    if (error !== undefined) this.error = boundedText(error);
    upsertSearchAttributes([
      { key: agentStatusKey, value: status },
      { key: awaitingApprovalKey, value: this.allPending().length > 0 },
    ]);
    this.publishDetails();
  }

  private allPending(): PendingApproval[] {
    return this.surfacedApprovals?.() ?? this.pendingApprovals;
  }

  /**
   * The last few messages before `end` (default: all), trimmed; right after continue-as-new some of them come
   * from the previous run.
   */
  lastMessages(end = this.conversation.length): Message[] {
    const own = this.conversation.slice(Math.max(0, end - LAST_MESSAGES), end).map(trimMessage);
    return own.length >= LAST_MESSAGES ? own : [...this.earlierMessages, ...own].slice(-LAST_MESSAGES);
  }

  snapshot(): AgentState {
    const budget = this.budget.status(this.spend());
    return {
      workflowType: 'agentWorkflow',
      agent: this.input.agent,
      model: this.input.model,
      status: this.status,
      step: this.step,
      maxSteps: this.input.maxSteps,
      steps: this.steps.map((s) => ({ ...s })),
      pendingApprovals: this.allPending().map((p) => ({ ...p })),
      usage: { ...this.usage },
      cost: this.cost,
      lastMessages: this.lastMessages(),
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(this.contextCompactions.length ? { contextCompactions: this.contextCompactions.map((c) => ({ ...c })) } : {}),
      ...(budget ? { budget } : {}),
      ...(this.routing ? { routing: this.routing } : {}),
      ...(this.refusedDecisions.length ? { refusedDecisions: this.refusedDecisions.map((r) => ({ ...r })) } : {}),
      ...(this.runs > 1 ? { runs: this.runs } : {}),
      ...webhooksOf(this.webhooks),
    };
  }

  /** The Web UI shows this markdown as the run's current details, so a glance tells where the run is. */
  private publishDetails(): void {
    const last = this.steps[this.steps.length - 1];
    const lines = [
      `**${this.input.agent}** · ${this.routing?.current ?? this.input.model} · ${this.status}`,
      `step ${this.step}/${this.input.maxSteps} · ${this.usage.inputTokens + this.usage.outputTokens} tokens · $${this.cost.totalUsd.toFixed(6)}`,
    ];
    if (last) lines.push(`last: ${last.kind} ${last.name} (${last.status}) ${truncate(last.summary, 120)}`);
    for (const p of this.allPending()) lines.push(`awaiting approval **${p.approvalId}**: ${p.what}`);
    setCurrentDetails(lines.join('\n\n'));
  }
}
