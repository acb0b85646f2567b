/**
 * b. Concurrency: N runs of the scripted agent started at once against one worker process, for durable-agents and
 * for the hand-written workflow under the same load (and, for contrast, durable-agents on a worker with the SDK's
 * default options). Each gets a fresh worker process, so its RSS is its own.
 */
import type { BenchEnv } from '../env';
import { duplicateCompletedCalls, maxInFlight } from '../mock-log';
import type { BenchOptions, WorkerTuning } from '../options';
import { runDurable, runHandWritten } from '../runners';
import { benchScenario } from '../scenario';
import { mb, median, percentile, round, within } from '../stats';

export interface ConcurrencyRow {
  label: string;
  workflow: 'durable-agents' | 'hand-written';
  tuning: WorkerTuning;
  runs: number;
  wallS: number;
  /** The sequential critical path of one run: steps × model latency. */
  idealS: number;
  wallOverIdeal: number;
  runsPerMinute: number;
  /** Seconds from the first start to a run's result (all runs start together), median and 95th percentile. */
  p50DoneS: number;
  p95DoneS: number;
  maxConcurrentModelCalls: number;
  workerIdleRssMb: number;
  workerPeakRssMb: number;
  workerEndRssMb: number;
  workerStartupMs: number;
  /** CPU seconds used during the load by the worker process, the dev server, and the bench process (mock + client). */
  workerCpuS: number;
  serverCpuS?: number;
  benchCpuS: number;
  /** Share of the wall time the worker's main thread was on a CPU, in percent (Linux only). */
  workerMainThreadBusyPct?: number;
  duplicateCompletedCalls: number;
  failedRuns: number;
}

export interface ConcurrencyResult {
  runs: number;
  steps: number;
  modelDelayMs: number;
  rounds: number;
  /** Every round of every configuration. */
  rows: ConcurrencyRow[];
  summary: ConcurrencySummary[];
  /** Median wall time of durable-agents over the hand-written workflow's, both tuned. */
  wallRatio: number;
}

export const LOAD_SCENARIO = 'bench-load';

export async function loadRow(
  env: BenchEnv,
  options: BenchOptions,
  row: { label: string; workflow: ConcurrencyRow['workflow']; tuning: WorkerTuning; queue: string },
  log: (line: string) => void,
): Promise<ConcurrencyRow> {
  const { runs, steps, loadDelayMs } = options;
  const model = `mock:${LOAD_SCENARIO}`;
  log(`b. concurrency: ${runs} ${row.label} runs at once (${row.queue})...`);
  const worker = await env.startWorker({ taskQueue: row.queue, tuning: row.tuning });
  try {
    const idle = await worker.stats();
    worker.resetPeak();
    env.mock.clearLog();
    const run = row.workflow === 'durable-agents' ? runDurable : runHandWritten;
    const serverCpuBefore = env.serverCpuSeconds();
    const benchCpuBefore = process.cpuUsage();
    const started = performance.now();
    const durations: number[] = [];
    let failed = 0;
    await within(
      Promise.all(
        Array.from({ length: runs }, async (_, i) => {
          try {
            await run(env.client, row.queue, model, `${row.queue}-${i}`, steps);
            durations.push(performance.now() - started);
          } catch (err) {
            failed += 1;
            if (failed === 1) log(`  first failed run: ${(err as Error).message}`);
          }
        }),
      ),
      10 * 60_000,
      `${runs} ${row.label} runs`,
    );
    const wallS = (performance.now() - started) / 1000;
    const memory = await worker.stats();
    const serverCpuAfter = env.serverCpuSeconds();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const idealS = (steps * loadDelayMs) / 1000;
    return {
      label: row.label,
      workflow: row.workflow,
      tuning: row.tuning,
      runs,
      wallS: round(wallS, 2),
      idealS: round(idealS, 2),
      wallOverIdeal: round(wallS / idealS, 2),
      runsPerMinute: Math.round(((runs - failed) / wallS) * 60),
      p50DoneS: round(median(durations) / 1000, 2),
      p95DoneS: round(percentile(durations, 95) / 1000, 2),
      maxConcurrentModelCalls: maxInFlight(env.mock.requests),
      workerIdleRssMb: mb(idle.rss),
      workerPeakRssMb: mb(memory.peakRss),
      workerEndRssMb: mb(memory.rss),
      workerStartupMs: worker.startupMs,
      workerCpuS: round(memory.cpuS, 1),
      ...(serverCpuBefore !== undefined && serverCpuAfter !== undefined
        ? { serverCpuS: round(serverCpuAfter - serverCpuBefore, 1) }
        : {}),
      benchCpuS: round((benchCpu.user + benchCpu.system) / 1e6, 1),
      ...(memory.mainThreadCpuS !== undefined
        ? { workerMainThreadBusyPct: Math.round((memory.mainThreadCpuS / wallS) * 100) }
        : {}),
      duplicateCompletedCalls: duplicateCompletedCalls(env.mock.requests),
      failedRuns: failed,
    };
  } finally {
    await worker.stop();
  }
}

/** One line of the table: the rounds of one worker configuration, median where a figure varies. */
export interface ConcurrencySummary {
  label: string;
  workflow: ConcurrencyRow['workflow'];
  rounds: number;
  wallS: number;
  wallMinS: number;
  wallMaxS: number;
  idealS: number;
  wallOverIdeal: number;
  runsPerMinute: number;
  p50DoneS: number;
  p95DoneS: number;
  maxConcurrentModelCalls: number;
  workerIdleRssMb: number;
  /** The highest peak of all rounds. */
  workerPeakRssMb: number;
  workerCpuS: number;
  serverCpuS?: number;
  benchCpuS: number;
  /** CPU of worker, server and bench together, per agent step (model call plus its tool call). */
  cpuMsPerStep?: number;
  workerMainThreadBusyPct?: number;
  failedRuns: number;
  duplicateCompletedCalls: number;
}

/** Folds the rounds of each configuration into one line, in the order the configurations first ran. */
export function summarizeRounds(rows: ConcurrencyRow[], steps: number): ConcurrencySummary[] {
  const labels = [...new Set(rows.map((r) => r.label))];
  return labels.map((label) => {
    const group = rows.filter((r) => r.label === label);
    const first = group[0] as ConcurrencyRow;
    const med = (pick: (r: ConcurrencyRow) => number): number => median(group.map(pick));
    const wallS = med((r) => r.wallS);
    const serverCpu = group.every((r) => r.serverCpuS !== undefined) ? med((r) => r.serverCpuS as number) : undefined;
    const workerCpuS = med((r) => r.workerCpuS);
    const benchCpuS = med((r) => r.benchCpuS);
    return {
      label,
      workflow: first.workflow,
      rounds: group.length,
      wallS: round(wallS, 2),
      wallMinS: Math.min(...group.map((r) => r.wallS)),
      wallMaxS: Math.max(...group.map((r) => r.wallS)),
      idealS: first.idealS,
      wallOverIdeal: round(wallS / first.idealS, 2),
      runsPerMinute: Math.round(med((r) => r.runsPerMinute)),
      p50DoneS: round(
        med((r) => r.p50DoneS),
        2,
      ),
      p95DoneS: round(
        med((r) => r.p95DoneS),
        2,
      ),
      maxConcurrentModelCalls: Math.max(...group.map((r) => r.maxConcurrentModelCalls)),
      workerIdleRssMb: Math.round(med((r) => r.workerIdleRssMb)),
      workerPeakRssMb: Math.max(...group.map((r) => r.workerPeakRssMb)),
      workerCpuS: round(workerCpuS, 1),
      ...(serverCpu !== undefined
        ? {
            serverCpuS: round(serverCpu, 1),
            cpuMsPerStep: round(((workerCpuS + serverCpu + benchCpuS) * 1000) / (first.runs * steps), 2),
          }
        : {}),
      benchCpuS: round(benchCpuS, 1),
      ...(group.every((r) => r.workerMainThreadBusyPct !== undefined)
        ? { workerMainThreadBusyPct: Math.round(med((r) => r.workerMainThreadBusyPct as number)) }
        : {}),
      failedRuns: group.reduce((n, r) => n + r.failedRuns, 0),
      duplicateCompletedCalls: group.reduce((n, r) => n + r.duplicateCompletedCalls, 0),
    };
  });
}

/**
 * Runs `rounds` rounds of durable-agents then the hand-written workflow, alternating so drift and the server's
 * growing in-memory database hit both alike; under CPU saturation one round's wall time varies by ±10–30 %.
 */
export async function loadRounds(
  env: BenchEnv,
  options: BenchOptions,
  log: (line: string) => void,
  configs: Array<{ label: string; workflow: ConcurrencyRow['workflow']; tuning: WorkerTuning; queue: string }>,
): Promise<ConcurrencyRow[]> {
  env.mock.addScenario(LOAD_SCENARIO, benchScenario(options.steps, options.loadDelayMs));
  const rows: ConcurrencyRow[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const config of configs) {
      rows.push(await loadRow(env, options, { ...config, queue: `${config.queue}-r${round}` }, log));
    }
  }
  return rows;
}

export async function concurrencyPhase(
  env: BenchEnv,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<ConcurrencyResult> {
  const configs: Parameters<typeof loadRounds>[3] = [
    { label: 'durable-agents', workflow: 'durable-agents', tuning: options.tuning, queue: 'bench-load-da' },
    { label: 'hand-written', workflow: 'hand-written', tuning: options.tuning, queue: 'bench-load-hw' },
  ];
  if (options.defaultsRow) {
    configs.push({
      label: 'durable-agents, SDK default worker options',
      workflow: 'durable-agents',
      tuning: {},
      queue: 'bench-load-da-defaults',
    });
  }
  const rows = await loadRounds(env, options, log, configs);
  const summary = summarizeRounds(rows, options.steps);
  const [da, hw] = summary as [ConcurrencySummary, ConcurrencySummary];
  return {
    runs: options.runs,
    steps: options.steps,
    modelDelayMs: options.loadDelayMs,
    rounds: options.rounds,
    rows,
    summary,
    wallRatio: round(da.wallS / hw.wallS, 2),
  };
}
