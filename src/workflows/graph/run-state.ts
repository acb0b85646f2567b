/** The live record of one graph run, read by the `state` query, the search attributes and the Web UI. */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { PendingApproval } from '../../common/agent-contract';
import type { GraphRunState, GraphStatus, GraphStepRecord, RoutingDecision } from '../../common/graph-contract';
import type { GraphSpec } from '../../common/graph-spec';
import { mergeField, type GraphValues } from '../../common/graph-rules';
import { addUsage, emptyUsage, type Usage } from '../../common/messages';
import { emptyLedger, mergeLedgers, recordUsage, type CostLedger } from '../../common/pricing';
import { countModelCall } from '../metrics';
import {
  agentCostUsdKey,
  agentNameKey,
  agentStatusKey,
  agentTokensKey,
  awaitingApprovalKey,
} from '../../common/search-attributes';

const VALUE_CHARS = 500;

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
  /** Pending approvals here and in child runs; the approval gates install it. */
  surfacedApprovals?: () => PendingApproval[];
  usage: Usage = emptyUsage();
  cost: CostLedger = emptyLedger();
  error?: string;

  constructor(
    readonly spec: GraphSpec,
    readonly values: GraphValues,
  ) {}

  announce(): void {
    upsertSearchAttributes([
      { key: agentNameKey, value: this.spec.name },
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

  addStep(record: GraphStepRecord): GraphStepRecord {
    this.steps.push(record);
    this.publish();
    return record;
  }

  finishStep(record: GraphStepRecord, patch: Partial<GraphStepRecord>): void {
    Object.assign(record, patch);
    this.publish();
  }

  decide(decision: RoutingDecision): void {
    this.decisions.push(decision);
  }

  /** A model call made by the graph itself (llm node, router, chat turn). */
  recordModelUsage(model: string, agent: string, usage: Usage): void {
    this.usage = addUsage(this.usage, usage);
    const before = this.cost.totalUsd;
    this.cost = recordUsage(this.cost, { model, agent, usage });
    countModelCall({ model, agent, usage, usd: this.cost.totalUsd - before });
    this.publishCost();
  }

  /** A child agent's totals, reported back in its result. */
  recordChild(usage: Usage, cost: CostLedger): void {
    this.usage = addUsage(this.usage, usage);
    this.cost = mergeLedgers(this.cost, cost);
    this.publishCost();
  }

  setStatus(status: GraphStatus, error?: string): void {
    this.status = status;
    if (error !== undefined) this.error = error;
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
