/** The live record of one graph run, read by the `state` query, the search attributes and the Web UI. */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { PendingApproval, RefusedDecision } from '../../contracts/agent-contract';
import type { GraphRunState, GraphStatus, GraphStepRecord, RoutingDecision } from '../../contracts/graph-contract';
import type { GraphSpec } from '../../contracts/graph-spec';
import { mergeField, type GraphValues } from '../../contracts/graph-rules';
import { addUsage, emptyUsage, type Usage } from '../../contracts/messages';
import { emptyLedger, mergeLedgers, recordUsage, type CostLedger, type ModelPrice } from '../../contracts/pricing';
import type { BudgetInput, BudgetSpend } from '../../contracts/budget';
import { budgetSchema, spendOf } from '../../contracts/budget';
import { BudgetBreachError, BudgetTracker } from '../kernel/budget';
import { countModelCall } from '../kernel/metrics';
import { boundedText, withBoundedSummary } from '../../contracts/bounded-text';
import type { WebhookState } from '../../contracts/webhooks';
import { webhooksOf } from '../kernel/webhooks';
import {
  agentCostUsdKey,
  agentModelKey,
  agentNameKey,
  agentStatusKey,
  agentTokensKey,
  awaitingApprovalKey,
} from '../../contracts/search-attributes';

const VALUE_CHARS = 500;

/**
 * The model a graph run is filed under (AgentModel): its entry node's, else its first agent's or llm node's,
 * else `graph`. A graph spends on many models; spend per model (GET /v1/costs) names this one.
 */
export function graphModelOf(spec: GraphSpec): string {
  const entry = spec.nodes[spec.entry];
  if (entry?.kind === 'llm') return entry.model;
  if (entry?.kind === 'agent' && spec.agents[entry.agent]) return spec.agents[entry.agent]!.model;
  const firstAgent = Object.values(spec.agents ?? {})[0];
  if (firstAgent) return firstAgent.model;
  for (const node of Object.values(spec.nodes)) if (node.kind === 'llm') return node.model;
  return 'graph';
}

function trimValue(value: unknown): unknown {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined || text.length <= VALUE_CHARS) return value;
  return `${text.slice(0, VALUE_CHARS - 1)}…`;
}

export class GraphRun {
  status: GraphStatus = 'running';
  currentNode?: string;
  step = 0;
  readonly visits: Record<string, number> = {};
  readonly steps: GraphStepRecord[] = [];
  readonly decisions: RoutingDecision[] = [];
  readonly pendingApprovals: PendingApproval[] = [];
  readonly refusedDecisions: RefusedDecision[] = [];
  /** Pending approvals here and in child runs; the approval gates install it. */
  surfacedApprovals?: () => PendingApproval[];
  usage: Usage = emptyUsage();
  cost: CostLedger = emptyLedger();
  error?: string;
  /** Model calls (responses) and tool calls over the run tree, for budgets. */
  modelCalls = 0;
  toolCalls = 0;
  readonly budget: BudgetTracker;
  /** Set once the over-budget edge has been taken; a second breach ends the run. */
  overBudgetEdgeTaken = false;
  /** The run's webhook deliveries, for the state query; set once the run knows its subscriptions. */
  webhooks?: { state(): WebhookState | undefined };

  constructor(
    readonly spec: GraphSpec,
    readonly values: GraphValues,
    budget?: BudgetInput,
  ) {
    // The input's budget was checked by the caller; parse fills in the soft threshold's default.
    const limits = budget ? budgetSchema.parse(budget) : spec.budget;
    this.budget = new BudgetTracker(limits, `graph ${spec.name}`);
  }

  spend(): BudgetSpend {
    return spendOf(this);
  }

  /** What a model call the graph makes asks of the worker: refuse an unpriced model when a cost budget binds. */
  priced(): { requirePrice?: true } {
    return this.budget.limits?.maxCostUsd !== undefined ? { requirePrice: true } : {};
  }

  /** Before a tool node: only the tool-call limit applies to a step that calls no model. */
  enforceToolBudget(): void {
    const max = this.budget.limits?.maxToolCalls;
    if (max === undefined || this.toolCalls + 1 <= max) return;
    const breach = {
      limit: 'maxToolCalls' as const,
      max,
      spent: this.toolCalls + 1,
      message: `maxToolCalls ${max} reached (${this.toolCalls + 1} spent)`,
    };
    this.budget.markExceeded(breach);
    throw new BudgetBreachError(breach);
  }

  /** Checked before every model call and agent the graph starts; throws BudgetBreachError. */
  enforceBudget(extraToolCalls = 0): void {
    const breach = this.budget.check(this.spend(), extraToolCalls);
    if (breach) throw new BudgetBreachError(breach);
  }

  announce(): void {
    upsertSearchAttributes([
      { key: agentNameKey, value: this.spec.name },
      // In this same upsert (no extra history event): spend per model reads it (GET /v1/costs).
      { key: agentModelKey, value: graphModelOf(this.spec) },
      { key: agentStatusKey, value: this.status },
      { key: agentTokensKey, value: 0 },
      { key: agentCostUsdKey, value: 0 },
      { key: awaitingApprovalKey, value: false },
    ]);
    this.publish();
  }

  /** Merges updates into state by each field's merge rule. */
  update(updates: GraphValues): void {
    for (const [name, value] of Object.entries(updates)) {
      this.values[name] = mergeField(this.spec.state[name], this.values[name], value);
    }
  }

  /** Records a step; its summary is bounded (the full outcome stays in history). */
  addStep(record: GraphStepRecord): GraphStepRecord {
    Object.assign(record, withBoundedSummary(record));
    this.steps.push(record);
    this.publish();
    return record;
  }

  finishStep(record: GraphStepRecord, patch: Partial<GraphStepRecord>): void {
    Object.assign(record, withBoundedSummary(patch));
    this.publish();
  }

  decide(decision: RoutingDecision): void {
    this.decisions.push(decision);
  }

  /** A model call made by the graph itself (llm node, router, chat turn). */
  recordModelUsage(
    model: string,
    agent: string,
    usage: Usage,
    options: { calls?: number; price?: ModelPrice } = {},
  ): void {
    const calls = options.calls ?? 1;
    this.modelCalls += calls;
    this.usage = addUsage(this.usage, usage);
    const before = this.cost.totalUsd;
    this.cost = recordUsage(this.cost, {
      model,
      agent,
      usage,
      calls,
      ...(options.price ? { price: options.price } : {}),
    });
    countModelCall({ model, agent, usage, usd: this.cost.totalUsd - before });
    this.publishCost();
  }

  /** A child agent's totals, reported back in its result (or in the details of its failure). */
  recordChild(child: { usage: Usage; cost: CostLedger; modelCalls?: number; toolCalls?: number }): void {
    this.usage = addUsage(this.usage, child.usage);
    this.cost = mergeLedgers(this.cost, child.cost);
    this.modelCalls += child.modelCalls ?? Object.values(child.cost.byModel).reduce((n, l) => n + l.calls, 0);
    this.toolCalls += child.toolCalls ?? 0;
    this.publishCost();
  }

  setStatus(status: GraphStatus, error?: string): void {
    this.status = status;
    if (error !== undefined) this.error = boundedText(error);
    upsertSearchAttributes([
      { key: agentStatusKey, value: status },
      { key: awaitingApprovalKey, value: this.allPending().length > 0 },
    ]);
    this.publish();
  }

  private allPending(): PendingApproval[] {
    return this.surfacedApprovals?.() ?? this.pendingApprovals;
  }

  snapshot(): GraphRunState {
    const budget = this.budget.status(this.spend());
    return {
      workflowType: 'graphWorkflow',
      graph: this.spec.name,
      status: this.status,
      ...(this.currentNode ? { currentNode: this.currentNode } : {}),
      step: this.step,
      visits: { ...this.visits },
      steps: this.steps.map((s) => ({ ...s })),
      decisions: this.decisions.map((d) => ({ ...d })),
      values: Object.fromEntries(Object.entries(this.values).map(([k, v]) => [k, trimValue(v)])),
      pendingApprovals: this.allPending().map((p) => ({ ...p })),
      usage: { ...this.usage },
      cost: this.cost,
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(budget ? { budget } : {}),
      ...(this.refusedDecisions.length ? { refusedDecisions: this.refusedDecisions.map((r) => ({ ...r })) } : {}),
      ...webhooksOf(this.webhooks),
    };
  }

  private publishCost(): void {
    upsertSearchAttributes([
      { key: agentTokensKey, value: this.usage.inputTokens + this.usage.outputTokens },
      { key: agentCostUsdKey, value: this.cost.totalUsd },
    ]);
  }

  private publish(): void {
    const last = this.steps[this.steps.length - 1];
    const lines = [
      `**${this.spec.name}** · ${this.status}${this.currentNode ? ` · at ${this.currentNode}` : ''}`,
      `step ${this.step} · ${this.usage.inputTokens + this.usage.outputTokens} tokens · $${this.cost.totalUsd.toFixed(6)}`,
    ];
    if (last) lines.push(`last: ${last.kind} ${last.node} (${last.status})`);
    for (const p of this.allPending()) lines.push(`awaiting approval **${p.approvalId}**: ${p.what}`);
    setCurrentDetails(lines.join('\n\n'));
  }
}
