/**
 * `agentctl watch <id>`: polls the run's `state` query (and its children's, for graph runs) and prints what
 * changed, until the run ends. The exit code says how it ended: 0 completed, 1 failed, 3 stopped short. What to
 * print is decided by the pure WatchView; this module only polls, prints and draws the spinner.
 */
import { z } from 'zod';
import { parseCommandArgs, type CliContext, type Command } from './command';
import { RunStoppedShortError, UsageError } from './errors';
import { isEvalWorkflow, watchEval } from './eval-watch';
import { TokenPrinter, type TokenOutput } from './token-printer';
import { WatchView, type WatchSnapshot } from './watch-view';
import { Spinner, type SpinnerOutput } from './spinner';

// The spinner lives in ./spinner (the eval watch draws it too); it is still importable from here.
export { Spinner, type SpinnerOutput };

/**
 * Runs the watch loop over the client's snapshots; resolves when the run completed (and, for a graph, reached its
 * goal), throws the client's RunFailedError when it failed and RunStoppedShortError when a graph stopped short.
 */
export async function watchRun(
  ctx: CliContext,
  workflowId: string,
  options: { intervalMs: number; spinner: SpinnerOutput; tokens?: TokenOutput },
): Promise<void> {
  const client = await ctx.client();
  const view = new WatchView(workflowId);
  const spinner = new Spinner(options.spinner);
  const printer = options.tokens ? new TokenPrinter(options.tokens) : undefined;
  const print = (lines: string[]): void => {
    if (!lines.length) return;
    spinner.clear();
    printer?.breakLine();
    ctx.print(lines.join('\n'));
  };
  // The run's own model calls, and each child's once the graph starts it (a child has a workflow id of its own).
  const followed = new Map<string, Promise<{ stop(): Promise<void> }>>();
  const follow = (id: string, label?: string): void => {
    if (!printer || followed.has(id)) return;
    const following = followTokens(client, id, printer, spinner, label);
    // A child's tokens are a bonus: a failure to follow them must not end the watch (the root's is awaited).
    if (label) following.catch(() => undefined);
    followed.set(id, following);
  };
  follow(workflowId);
  await followed.get(workflowId);
  try {
    await watchLoop();
  } finally {
    await Promise.all([...followed.values()].map(async (f) => (await f.catch(() => undefined))?.stop()));
  }

  async function watchLoop(): Promise<void> {
    let snapshot: WatchSnapshot | undefined;
    let lastProblem = '';
    for await (const polled of client.snapshots(workflowId, { intervalMs: options.intervalMs })) {
      if (polled.root) {
        snapshot = { root: polled.root, children: polled.children };
        for (const child of polled.children) follow(child.workflowId, child.label);
        print(view.update(snapshot));
        lastProblem = '';
      } else if (polled.problem && polled.problem !== lastProblem) {
        print([`live state unavailable: ${polled.problem}; still watching`]);
        lastProblem = polled.problem;
      }
      // The spinner redraws its line: not while the model's text is being written on it.
      if (polled.open && !printer?.lineOpen) spinner.draw(view.waitingFor(snapshot));
    }

    spinner.clear();
    const outcome = await client.outcome(workflowId);
    if (outcome.outcome !== 'completed') {
      print(view.end({ status: outcome.outcome.replace(/_/g, ' ') }, snapshot));
      throw outcome.error;
    }
    const own = snapshot?.root.status;
    const status = own && own !== 'completed' ? `completed (${own})` : 'completed';
    print(view.end({ status }, snapshot));
    if (outcome.status !== 'completed') {
      throw new RunStoppedShortError(`run ${workflowId} ended ${outcome.status}`);
    }
  }
}

/** Prints the run's live tokens until stopped; resolves once the subscription is in place. */
async function followTokens(
  client: Awaited<ReturnType<CliContext['client']>>,
  workflowId: string,
  printer: TokenPrinter,
  spinner: Spinner,
  label?: string,
): Promise<{ stop(): Promise<void> }> {
  const controller = new AbortController();
  let ready!: () => void;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const iterator = client.tokens(workflowId, { signal: controller.signal, onReady: ready });
  const done = (async () => {
    for await (const event of iterator) {
      spinner.clear();
      printer.show(event, label);
    }
  })();
  // A client without a broker fails at once; that failure is the command's.
  await Promise.race([subscribed, done]);
  return {
    async stop() {
      controller.abort();
      await done.catch(() => undefined);
      printer.breakLine();
    },
  };
}

const args = {
  options: { interval: { type: 'string' }, tokens: { type: 'boolean' } },
  positionals: ['id'],
  flags: z.object({
    interval: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(100, 'must be at least 100 ms')
      .max(60_000, 'must be at most 60000 ms')
      .default(500),
    tokens: z.boolean().default(false),
  }),
} as const;

export const watchCommand: Command = {
  name: 'watch',
  usage: 'watch <id> [--interval MS] [--tokens]',
  summary:
    "follow a run live: steps (children's too), tokens, cost, pending approvals (an eval: its cases); ends with the run",
  details: [
    '--interval MS  how often to read the state query (default 500)',
    "--tokens       print the model's text as it is written (needs AGENT_TOKEN_STREAM_URL, the broker the workers use)",
    'An eval (agentctl eval --no-wait) shows its cases as they finish, then its report.',
    'Exits 0 when the run completes, 1 when it fails, is cancelled, terminated or times out,',
    '3 when a graph ends rejected, limit_reached or budget_exceeded.',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('watch', argv, args);
    // An eval has a state of its own (cases done, passed, cost): it is followed by the eval watch.
    if (await isEvalWorkflow(ctx, positionals[0] as string)) {
      if (flags.tokens) throw new UsageError('--tokens applies to agent and graph runs, not to an eval');
      await watchEval(ctx, positionals[0] as string, { intervalMs: flags.interval, spinner: process.stdout });
      return;
    }
    await watchRun(ctx, positionals[0] as string, {
      intervalMs: flags.interval,
      spinner: process.stdout,
      ...(flags.tokens ? { tokens: process.stdout } : {}),
    });
  },
};
