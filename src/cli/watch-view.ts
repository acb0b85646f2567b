/**
 * What `agentctl watch` prints, as a pure function of successive snapshots: each call to `WatchView.update`
 * returns only the lines that are new since the last one (a step that started or finished, new totals, an
 * approval that appeared or was decided). No I/O here, so tests feed it states and read the lines.
 */
import type { AgentState, PendingApproval } from '../contracts/agent-contract';
import type { GraphRunState } from '../contracts/graph-contract';
import { addUsage, type Usage } from '../contracts/messages';
import { costText } from './cost-output';
import { oneLine, textOf, tokens, truncate } from './output';
import { childIdsOf, childLabel, type ChildSnapshot } from '../client/children';

export { childIdsOf, childLabel, type ChildSnapshot };

/** Everything `watch` knows after one poll. */
export interface WatchSnapshot {
  root: AgentState | GraphRunState;
  children: readonly ChildSnapshot[];
}

const SUMMARY_CHARS = 120;
const PROPOSED_CHARS = 300;

const isGraph = (state: AgentState | GraphRunState): state is GraphRunState => state.workflowType === 'graphWorkflow';

/**
 * Tokens and cost of the whole run tree so far. A graph adds a child's totals to its own when the child
 * ends, so only children it does not list yet are added here.
 */
export function runningTotals(rootWorkflowId: string, snapshot: WatchSnapshot): { usage: Usage; costUsd: number } {
  const counted = new Set(childIdsOf(rootWorkflowId, snapshot.root));
  let usage = snapshot.root.usage;
  let costUsd = snapshot.root.cost.totalUsd;
  for (const child of snapshot.children) {
    if (counted.has(child.workflowId)) continue;
    usage = addUsage(usage, child.state.usage);
    costUsd += child.state.cost.totalUsd;
  }
  return { usage, costUsd };
}

/** Models the run tree used that have no price, so the totals line can say its cost leaves them out. */
export function unpricedModelsOf(snapshot: WatchSnapshot): string[] {
  const all = [snapshot.root, ...snapshot.children.map((c) => c.state)].flatMap((s) => s.cost.unpricedModels ?? []);
  return [...new Set(all)];
}

/** One step as a line: `[clerk-1] step 1 · model mock:x · ok · asked for write_file`. */
function stepLine(prefix: string, step: number, what: string, status: string, summary: unknown): string {
  const text = textOf(summary);
  const tail = text ? ` · ${truncate(oneLine(text), SUMMARY_CHARS)}` : '';
  return `${prefix}step ${step} · ${what} · ${status}${tail}`;
}

/** Keeps what has been printed, and turns each new snapshot into the lines not printed yet. */
export class WatchView {
  private readonly printed = new Map<string, string>();
  private readonly pending = new Set<string>();
  private lastTotals = '';
  private lastStatus = '';

  constructor(private readonly workflowId: string) {}

  /** The lines this snapshot adds. */
  update(snapshot: WatchSnapshot): string[] {
    const lines: string[] = [];
    const root = snapshot.root;
    const rootPrefix = isGraph(root) ? `[${root.graph}] ` : '';

    if (this.lastStatus === '') {
      lines.push(
        isGraph(root)
          ? `watching ${this.workflowId}: graph ${root.graph}`
          : `watching ${this.workflowId}: agent ${root.agent} · ${root.model} · at most ${root.maxSteps} steps`,
      );
    }
    lines.push(...this.decidedLines(root.pendingApprovals));
    if (isGraph(root)) {
      // A child's lines go with the graph step that started it: before that step's closing line, so the
      // output reads in the order things happened.
      const byId = new Map(snapshot.children.map((c) => [c.workflowId, c]));
      const placed = new Set<string>();
      const childLines = (ids: string[]): void => {
        for (const childId of ids) {
          const child = byId.get(childId);
          if (!child || placed.has(childId)) continue;
          placed.add(childId);
          this.childSteps(lines, child);
        }
      };
      const unplaced = (): string[] => snapshot.children.map((c) => c.workflowId).filter((c) => !placed.has(c));
      root.steps.forEach((s, i) => {
        const ids = (s.children ?? []).map((c) =>
          c.startsWith(`${this.workflowId}/`) ? c : `${this.workflowId}/${c}`,
        );
        const labels = ids.map((c) => childLabel(this.workflowId, c));
        const line = stepLine(
          rootPrefix,
          s.step,
          `${s.kind} ${s.node}`,
          s.status,
          `${textOf(s.summary)}${labels.length ? ` [children: ${labels.join(', ')}]` : ''}`,
        );
        if (s.status === 'running') {
          this.emit(lines, `root#${i}`, line);
          childLines(unplaced());
        } else {
          childLines(ids);
          this.emit(lines, `root#${i}`, line);
        }
      });
      childLines(unplaced());
    } else {
      root.steps.forEach((s, i) => {
        this.emit(lines, `root#${i}`, stepLine(rootPrefix, s.step, `${s.kind} ${s.name}`, s.status, s.summary));
      });
      for (const child of snapshot.children) this.childSteps(lines, child);
    }

    const { usage, costUsd } = runningTotals(this.workflowId, snapshot);
    const totals = `tokens ${tokens(usage)} · cost ${costText({ totalUsd: costUsd, unpricedModels: unpricedModelsOf(snapshot) })}`;
    if (totals !== this.lastTotals && usage.inputTokens + usage.outputTokens > 0) {
      lines.push(`  ${totals}`);
      this.lastTotals = totals;
    }

    lines.push(...this.newApprovalLines(root.pendingApprovals));
    if (root.status !== this.lastStatus) {
      // The end of the run has its own closing line; a status line is for a pause or a resumption.
      const pause = root.status === 'awaiting_approval' || (root.status === 'running' && this.lastStatus !== '');
      if (pause) lines.push(`status: ${root.status.replace(/_/g, ' ')}`);
      this.lastStatus = root.status;
    }
    return lines;
  }

  /** The closing line: how the run ended, with its totals. */
  end(outcome: { status: string; detail?: string }, snapshot?: WatchSnapshot): string[] {
    const lines: string[] = [];
    const totals = snapshot ? runningTotals(this.workflowId, snapshot) : undefined;
    const cost =
      totals && snapshot ? costText({ totalUsd: totals.costUsd, unpricedModels: unpricedModelsOf(snapshot) }) : '';
    const figures = totals ? ` · tokens ${tokens(totals.usage)} · cost ${cost}` : '';
    lines.push(`run ${this.workflowId} ${outcome.status}${figures}${outcome.detail ? `: ${outcome.detail}` : ''}`);
    return lines;
  }

  /** A short word for a spinner line: what the run is doing now. */
  waitingFor(snapshot: WatchSnapshot | undefined): string {
    if (!snapshot) return 'waiting for the run';
    if (snapshot.root.pendingApprovals.length) return 'waiting for approval';
    const running = [snapshot.root.steps, ...snapshot.children.map((c) => c.state.steps)]
      .flat()
      .filter((s) => s.status === 'running').length;
    return running ? `${running} step${running > 1 ? 's' : ''} running` : 'working';
  }

  private emit(lines: string[], key: string, line: string): void {
    if (this.printed.get(key) === line) return;
    this.printed.set(key, line);
    lines.push(line);
  }

  private childSteps(lines: string[], child: ChildSnapshot): void {
    child.state.steps.forEach((s, i) => {
      this.emit(
        lines,
        `${child.workflowId}#${i}`,
        stepLine(`  [${child.label}] `, s.step, `${s.kind} ${s.name}`, s.status, s.summary),
      );
    });
  }

  private newApprovalLines(pending: readonly PendingApproval[]): string[] {
    const lines: string[] = [];
    for (const p of pending) {
      if (this.pending.has(p.approvalId)) continue;
      this.pending.add(p.approvalId);
      lines.push(
        `awaiting approval ${p.approvalId}: ${p.what}${p.childWorkflowId ? ` (in child run ${p.childWorkflowId})` : ''}`,
        `  why: ${truncate(oneLine(p.why), SUMMARY_CHARS)}`,
        `  proposed: ${truncate(oneLine(p.proposed), PROPOSED_CHARS)}`,
        `  decide: agentctl approve ${this.workflowId} --approval ${p.approvalId}   ·   agentctl reject ${this.workflowId} --approval ${p.approvalId} --reason TEXT`,
      );
    }
    return lines;
  }

  private decidedLines(pending: readonly PendingApproval[]): string[] {
    const lines: string[] = [];
    const now = new Set(pending.map((p) => p.approvalId));
    for (const id of [...this.pending]) {
      if (now.has(id)) continue;
      this.pending.delete(id);
      lines.push(`approval ${id} decided`);
    }
    return lines;
  }
}
