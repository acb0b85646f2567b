/**
 * Following an eval while it runs, for `agentctl eval` and `agentctl watch <eval id>`: polls the eval's `state`
 * query and prints each case as it finishes and a progress line (done/total, passed, cost, running cases) when it
 * changes; on a terminal the progress line is a spinner redrawn in place, like watch's. What to print is decided by
 * the pure EvalProgressView; `followEval` only polls and prints.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EvalResult, EvalState } from '../contracts/evals/contract';
import type { AgentClient } from '../client/agent-client';
import { oneLine, truncate } from './output';
import { dollars, score } from './eval-report/report';
import { Spinner, type SpinnerOutput } from './spinner';

/** The progress line: `4/6 done · 3 passed · mean 0.750 · $0.000412 · running: c5, c6`. */
export function progressLine(state: EvalState): string {
  const running = state.running.length ? ` · running: ${truncate(state.running.join(', '), 80)}` : '';
  return `${state.done}/${state.total} done · ${state.passed} passed · mean ${score(state.meanScore)} · ${dollars(state.costUsd + state.judgeCostUsd)}${running}`;
}

/** What each new state adds to the output: a line per newly finished case, and the progress line when it changed. */
export class EvalProgressView {
  private readonly seen = new Set<string>();
  private lastProgress = '';
  private started = false;

  constructor(private readonly label: string) {}

  private get prefix(): string {
    return this.label ? `[${this.label}] ` : '';
  }

  update(state: EvalState): string[] {
    const lines: string[] = [];
    if (!this.started) {
      lines.push(`${this.prefix}eval ${state.name}: ${state.total} cases`);
      this.started = true;
    }
    for (const c of state.recent) {
      if (this.seen.has(c.id)) continue;
      this.seen.add(c.id);
      lines.push(
        `${this.prefix}${c.pass ? 'pass' : 'FAIL'} ${c.id} · score ${score(c.score)} · ${c.status} · ${dollars(c.costUsd)}`,
      );
    }
    const progress = progressLine(state);
    if (progress !== this.lastProgress) {
      lines.push(`${this.prefix}${progress}`);
      this.lastProgress = progress;
    }
    return lines;
  }

  /** The spinner's text while cases run. */
  waiting(state: EvalState | undefined): string {
    return state ? `${this.prefix}${progressLine(state)}` : `${this.prefix}waiting for the eval's state`;
  }
}

export interface FollowOptions {
  intervalMs: number;
  print(text: string): void;
  spinner: SpinnerOutput;
  /** Shown before each line when two evals are followed at once (`baseline`, the variant's name). */
  label?: string;
}

/**
 * Follows the eval until it closes and returns its result; throws the client's RunFailedError (exit 1) when the
 * eval failed, was cancelled, terminated or timed out.
 */
export async function followEval(client: AgentClient, workflowId: string, options: FollowOptions): Promise<EvalResult> {
  const view = new EvalProgressView(options.label ?? '');
  const spinner = new Spinner(options.spinner);
  const print = (lines: string[]): void => {
    if (!lines.length) return;
    spinner.clear();
    options.print(lines.join('\n'));
  };
  let state: EvalState | undefined;
  let lastProblem = '';
  for (;;) {
    try {
      state = await client.evalState(workflowId);
      print(view.update(state));
      lastProblem = '';
      if (state.status !== 'running') break;
      // A query of a closed eval replays it to where it stopped: a terminated eval still says `running`.
      if ((await client.describe(workflowId)).status.name !== 'RUNNING') break;
    } catch (err) {
      // No worker answers queries (yet), or the eval closed before it could: the server's status says which.
      const description = await client.describe(workflowId);
      if (description.status.name !== 'RUNNING') break;
      const problem = oneLine((err as Error).message);
      if (problem !== lastProblem) print([`live state unavailable: ${truncate(problem, 200)}; still watching`]);
      lastProblem = problem;
    }
    spinner.draw(view.waiting(state));
    await sleep(options.intervalMs);
  }
  spinner.clear();
  const outcome = await client.outcome(workflowId);
  if (outcome.outcome !== 'completed') throw outcome.error;
  return outcome.result as unknown as EvalResult;
}
