/**
 * `npm run bench`: durable-agents against a hand-written Temporal workflow and an in-process loop, on the real
 * Temporal dev server and the mock LLM server. Prints the tables of one run on stdout (progress goes to stderr),
 * writes bench/results/<timestamp>.json and latest.json, and refreshes the tables in docs/benchmarks.md.
 * Everything it starts (dev server, mock server, worker processes) it stops, also on Ctrl-C and at its deadline.
 */
import path from 'node:path';
import { UserError } from '../src/contracts/errors';
import { prepareBenchAssets, startBenchEnv, type BenchAssets, type BenchEnv } from './bench/env';
import { BENCH_HELP, parseBenchOptions, type BenchOptions } from './bench/options';
import { apiPhase } from './bench/phases/api';
import { concurrencyPhase } from './bench/phases/concurrency';
import { crashPhase } from './bench/phases/crash';
import { overheadPhase } from './bench/phases/overhead';
import { promptPhase } from './bench/phases/prompt';
import { serverKnobsPhase } from './bench/phases/server-knobs';
import { tokensPhase } from './bench/phases/tokens';
import { machineInfo, renderMarkdown, type BenchResults } from './bench/report';
import { writeResults } from './bench/results-file';
import { createLogger, installTemporalLogging } from '../src/telemetry/logging';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * startDevServer passes no dynamic config, and the server's default for system.enableActivityEagerExecution is
 * false, so the SDK's eager reservations (maxEagerActivityReservationsPerWorkflowTask) are never granted here.
 */
const EAGER_ACTIVITY_EXECUTION = 'off on the stock dev server (server default), on in the last variant of table f';

async function runPhase(name: string, results: BenchResults, phase: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await phase();
    log(`   ${name}: ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (err) {
    log(`   ${name} failed: ${(err as Error).stack ?? String(err)}`);
    results.errors.push({ phase: name, message: (err as Error).message });
  }
}

/** The phases on the stock dev server, then (with that server stopped) the server-knob variants on their own. */
async function runPhases(
  assets: BenchAssets,
  options: BenchOptions,
  results: BenchResults,
  track: (env?: BenchEnv) => void,
): Promise<void> {
  const stock = options.phases.filter((p) => p !== 'knobs');
  if (stock.length > 0) {
    const env = await startBenchEnv(log, assets);
    track(env);
    try {
      const phases = {
        overhead: async () => void (results.overhead = await overheadPhase(env, options, log)),
        concurrency: async () => void (results.concurrency = await concurrencyPhase(env, options, log)),
        crash: async () => void (results.crash = await crashPhase(env, options, log)),
        prompt: async () => void (results.prompt = await promptPhase(env, options, log)),
        api: async () => void (results.api = await apiPhase(env, options, log)),
        tokens: async () => void (results.tokens = await tokensPhase(env, options, log)),
      };
      for (const phase of stock) await runPhase(phase, results, phases[phase as keyof typeof phases]);
    } finally {
      await env.stop();
      track(undefined);
    }
  }
  if (options.phases.includes('knobs')) {
    await runPhase(
      'knobs',
      results,
      async () => void (results.serverKnobs = await serverKnobsPhase(assets, options, log)),
    );
  }
}

async function main(): Promise<void> {
  const parsed = parseBenchOptions(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(BENCH_HELP);
    return;
  }
  const options = parsed;
  // Workers in this process (phase h) log like the worker processes: errors only, unless asked.
  installTemporalLogging(createLogger(process.env.BENCH_WORKER_LOG_LEVEL ?? 'error', 2));
  const startedAt = new Date();
  const assets = await prepareBenchAssets(log);
  let current: BenchEnv | undefined;

  // Ctrl-C, SIGTERM and the deadline all end the same way: stop what we started, then exit non-zero. (A server of
  // the knobs phase is killed on process exit by its own handler.)
  const abort = (why: string): void => {
    log(`bench: ${why}; stopping the dev server, the mock server and the workers...`);
    void (current?.stop() ?? Promise.resolve()).finally(() => {
      assets.cleanup();
      process.exit(1);
    });
  };
  process.once('SIGINT', () => abort('interrupted'));
  process.once('SIGTERM', () => abort('terminated'));
  const deadline = setTimeout(() => abort(`deadline of ${options.deadlineMs / 60_000} min passed`), options.deadlineMs);

  const { write: _write, deadlineMs: _deadline, ...shown } = options;
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    durationS: 0,
    machine: machineInfo(assets.cliVersion, assets.cliSource),
    options: shown,
    eagerActivityExecution: EAGER_ACTIVITY_EXECUTION,
    errors: [],
  };
  try {
    await runPhases(assets, options, results, (env) => (current = env));
  } finally {
    clearTimeout(deadline);
    assets.cleanup();
  }
  results.finishedAt = new Date().toISOString();
  results.durationS = Math.round((Date.now() - startedAt.getTime()) / 1000);

  const markdown = renderMarkdown(results);
  process.stdout.write(markdown);
  if (options.write) {
    const file = await writeResults(path.resolve(__dirname, '..'), results, markdown);
    log(`Results written to ${path.relative(process.cwd(), file)}, bench/results/latest.json and docs/benchmarks.md`);
  }
  if (results.errors.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  if (err instanceof UserError) {
    process.stderr.write(`bench: ${err.message}\n`);
  } else {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exitCode = 1;
});
