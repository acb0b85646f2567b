/**
 * `agentctl watch <id>`: polls the run's `state` query (and its children's, for graph runs) and prints what
 * changed, until the run ends. The exit code says how it ended: 0 when it completed, 1 otherwise. What to
 * print is decided by the pure WatchView; this module only polls, prints and draws the spinner.
 */
import { WorkflowFailedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { AgentState } from '../contracts/agent-contract';
import type { GraphRunState } from '../contracts/graph-contract';
import { parseCommandArgs, type CliContext, type Command } from './command';
import { describeRunFailure, RunFailedError } from './errors';
import { queryState } from './live-state';
import { childIdsOf, childLabel, WatchView, type ChildSnapshot, type WatchSnapshot } from './watch-view';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Where the spinner goes: a terminal gets one, redrawn in place; a pipe or a log file never does. */
export interface SpinnerOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** One line redrawn in place on a terminal; on anything else it draws nothing. */
export class Spinner {
  private frame = 0;
  private shown = false;

  constructor(private readonly out: SpinnerOutput) {}

  draw(text: string): void {
    if (!this.out.isTTY) return;
    this.out.write(`\r\x1b[K${SPINNER[this.frame++ % SPINNER.length]} ${text}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

/** Workflow ids of the children worth polling: those the server says are running, and those the graph lists. */
function childIds(workflowId: string, description: WorkflowExecutionDescription, root: AgentState | GraphRunState) {
  const running = (description.raw.pendingChildren ?? []).map((c) => c.workflowId ?? '').filter(Boolean);
  return [...new Set([...childIdsOf(workflowId, root), ...running])];
}

/** Polls children; a child that has ended is read once more and then left alone. */
class ChildPoller {
  private readonly finished = new Map<string, ChildSnapshot>();
  private readonly last = new Map<string, ChildSnapshot>();

  constructor(
    private readonly client: Client,
    private readonly rootId: string,
    private readonly taskQueue: string,
  ) {}

  async poll(ids: string[]): Promise<ChildSnapshot[]> {
    const out: ChildSnapshot[] = [];
    for (const id of ids) {
      const done = this.finished.get(id);
      if (done) {
        out.push(done);
        continue;
      }
      const answer = await queryState(this.client, id, this.taskQueue);
      if (answer.ok && answer.state.workflowType === 'agentWorkflow') {
        const snap = { workflowId: id, label: childLabel(this.rootId, id), state: answer.state };
        this.last.set(id, snap);
        if (!['running', 'awaiting_approval'].includes(answer.state.status)) this.finished.set(id, snap);
      }
      const known = this.last.get(id);
      if (known) out.push(known);
    }
    return out;
  }
}

/** Runs the watch loop; resolves when the run completed, throws RunFailedError when it ended otherwise. */
export async function watchRun(
  ctx: CliContext,
  workflowId: string,
  options: { intervalMs: number; spinner: SpinnerOutput },
): Promise<void> {
  const client = await ctx.client();
  const handle = client.workflow.getHandle(workflowId);
  const view = new WatchView(workflowId);
  const spinner = new Spinner(options.spinner);
  const print = (lines: string[]): void => {
    if (!lines.length) return;
    spinner.clear();
    ctx.print(lines.join('\n'));
  };

  let description = await handle.describe();
  const children = new ChildPoller(client, workflowId, description.taskQueue);
  let snapshot: WatchSnapshot | undefined;
  let lastProblem = '';
  for (;;) {
    // A run that continued as new hands over to the next one; the handle (no run id) follows the chain.
    const open = description.status.name === 'RUNNING' || description.status.name === 'CONTINUED_AS_NEW';
    const answer = await queryState(client, workflowId, description.taskQueue);
    if (answer.ok) {
      const root = answer.state as AgentState | GraphRunState;
      snapshot = { root, children: await children.poll(childIds(workflowId, description, root)) };
      print(view.update(snapshot));
      lastProblem = '';
    } else if (answer.reason !== lastProblem) {
      print([`live state unavailable: ${answer.reason}; still watching`]);
      lastProblem = answer.reason;
    }
    if (!open) break;
    spinner.draw(view.waitingFor(snapshot));
    await sleep(options.intervalMs);
    description = await handle.describe();
  }

  spinner.clear();
  try {
    await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const detail = describeRunFailure(workflowId, err);
    print(view.end({ status: description.status.name.toLowerCase().replace(/_/g, ' ') }, snapshot));
    throw new RunFailedError(detail, { cause: err });
  }
  const status = snapshot && snapshot.root.status !== 'completed' ? `completed (${snapshot.root.status})` : 'completed';
  print(view.end({ status }, snapshot));
}

const args = {
  options: { interval: { type: 'string' } },
  positionals: ['id'],
  flags: z.object({
    interval: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(100, 'must be at least 100 ms')
      .max(60_000, 'must be at most 60000 ms')
      .default(500),
  }),
} as const;

export const watchCommand: Command = {
  name: 'watch',
  usage: 'watch <id> [--interval MS]',
  summary: "follow a run live: steps (children's too), tokens, cost, pending approvals; ends with the run",
  details: [
    '--interval MS  how often to read the state query (default 500)',
    'Exits 0 when the run completes, 1 when it fails, is cancelled, terminated or times out.',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('watch', argv, args);
    await watchRun(ctx, positionals[0] as string, { intervalMs: flags.interval, spinner: process.stdout });
  },
};
