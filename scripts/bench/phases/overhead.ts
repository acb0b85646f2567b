/**
 * a. Overhead per agent step, and e. history bytes per step. The same scripted agent runs one at a time in each
 * mode; each mode gets one untimed warm-up run, then `reps` timed runs, interleaved between the two Temporal modes
 * so drift hits both alike. The finished runs' histories give the bytes per step.
 */
import type { BenchEnv } from '../env';
import { duplicateCompletedCalls } from '../mock-log';
import type { BenchOptions } from '../options';
import { createInProcessRunner, runDurable, runHandWritten, type Mode, type RunOutcome } from '../runners';
import { benchScenario } from '../scenario';
import { median, round, within } from '../stats';
import { measureHistory, type HistoryFigures } from './history';

export interface ModeTiming {
  mode: Mode;
  /** Median of the timed runs. */
  msPerStep: number;
  minMsPerStep: number;
  maxMsPerStep: number;
  /** Wall time of each timed run, start to result. */
  runMs: number[];
}

export interface OverheadResult {
  steps: number;
  modelDelayMs: number;
  reps: number;
  modes: Record<Mode, ModeTiming>;
  /** ms per step of durable-agents over the hand-written workflow and over the in-process loop. */
  ratioToHandWritten: number;
  ratioToInProcess: number;
  /** What durable-agents adds per step, in ms, over each. */
  addedMsPerStepOverHandWritten: number;
  addedMsPerStepOverInProcess: number;
  duplicateCompletedCalls: number;
  history: Record<'durable-agents' | 'hand-written', HistoryFigures>;
}

export const OVERHEAD_SCENARIO = 'bench-step';
const TASK_QUEUE = 'bench-overhead';

async function timed(mode: Mode, run: () => Promise<RunOutcome>, steps: number): Promise<number> {
  const started = performance.now();
  const outcome = await within(run(), 120_000, `a ${mode} run`);
  if (outcome.modelCalls !== steps) throw new Error(`${mode} run made ${outcome.modelCalls} model calls, not ${steps}`);
  return performance.now() - started;
}

export function summarize(mode: Mode, runMs: number[], steps: number): ModeTiming {
  const perStep = runMs.map((ms) => ms / steps);
  return {
    mode,
    msPerStep: round(median(perStep), 2),
    minMsPerStep: round(Math.min(...perStep), 2),
    maxMsPerStep: round(Math.max(...perStep), 2),
    runMs: runMs.map((ms) => round(ms, 1)),
  };
}

/** Timed runs of the two Temporal modes, interleaved, on one fresh worker; the first run of each is a warm-up. */
export interface TemporalTimings {
  durableMs: number[];
  handWrittenMs: number[];
  lastDurable: string;
  lastHandWritten: string;
}

export function registerStepScenario(env: BenchEnv, options: BenchOptions): string {
  env.mock.addScenario(OVERHEAD_SCENARIO, benchScenario(options.steps, options.stepDelayMs));
  return `mock:${OVERHEAD_SCENARIO}`;
}

export async function timeTemporalModes(env: BenchEnv, options: BenchOptions): Promise<TemporalTimings> {
  const { steps, reps } = options;
  const model = registerStepScenario(env, options);
  const worker = await env.startWorker({ taskQueue: TASK_QUEUE, tuning: options.tuning });
  const timings: TemporalTimings = { durableMs: [], handWrittenMs: [], lastDurable: '', lastHandWritten: '' };
  try {
    for (let i = 0; i <= reps; i++) {
      const da = await timed(
        'durable-agents',
        async () => {
          const outcome = await runDurable(env.client, TASK_QUEUE, model, `overhead-${i}`, steps);
          timings.lastDurable = outcome.workflowId as string;
          return outcome;
        },
        steps,
      );
      const hw = await timed(
        'hand-written',
        async () => {
          const outcome = await runHandWritten(env.client, TASK_QUEUE, model, `overhead-${i}`, steps);
          timings.lastHandWritten = outcome.workflowId as string;
          return outcome;
        },
        steps,
      );
      if (i > 0) {
        timings.durableMs.push(da);
        timings.handWrittenMs.push(hw);
      }
    }
  } finally {
    await worker.stop();
  }
  return timings;
}

export async function overheadPhase(
  env: BenchEnv,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<OverheadResult> {
  const { steps, reps } = options;
  const model = registerStepScenario(env, options);
  env.mock.clearLog();

  // The in-process loop first, while no worker is running, so nothing else competes for the two cores.
  log(`a. overhead: in-process loop, ${reps} runs of ${steps} steps...`);
  const inProcess = createInProcessRunner(env.mock.url, env.workspaceDir);
  const inProcessMs: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const ms = await timed('in-process', () => inProcess(model, `ip-${i}`, steps), steps);
    if (i > 0) inProcessMs.push(ms);
  }

  log(`a. overhead: durable-agents and the hand-written workflow, ${reps} runs each on one worker...`);
  const temporalRuns = await timeTemporalModes(env, options);

  const modes: Record<Mode, ModeTiming> = {
    'durable-agents': summarize('durable-agents', temporalRuns.durableMs, steps),
    'hand-written': summarize('hand-written', temporalRuns.handWrittenMs, steps),
    'in-process': summarize('in-process', inProcessMs, steps),
  };
  const da = modes['durable-agents'].msPerStep;
  const hw = modes['hand-written'].msPerStep;
  const ip = modes['in-process'].msPerStep;
  return {
    steps,
    modelDelayMs: options.stepDelayMs,
    reps,
    modes,
    ratioToHandWritten: round(da / hw, 2),
    ratioToInProcess: round(da / ip, 2),
    addedMsPerStepOverHandWritten: round(da - hw, 2),
    addedMsPerStepOverInProcess: round(da - ip, 2),
    duplicateCompletedCalls: duplicateCompletedCalls(env.mock.requests),
    history: {
      'durable-agents': await measureHistory(env.client, temporalRuns.lastDurable, steps),
      'hand-written': await measureHistory(env.client, temporalRuns.lastHandWritten, steps),
    },
  };
}
