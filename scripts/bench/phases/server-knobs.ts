/**
 * Server-side knobs. On the stock dev server most of a step's time is spent waiting in the history service's
 * transfer queue, which a single-shard dev server reads at most `history.transferProcessorMaxPollRPS` (20) times a
 * second, and eager activity execution is off. This phase repeats the Temporal overhead runs (and the load, on the
 * last variant) on dev servers started with those knobs turned, so the tables say what each is worth.
 */
import { startBenchEnv, type BenchAssets } from '../env';
import type { BenchOptions } from '../options';
import { round } from '../stats';
import { loadRounds, summarizeRounds, type ConcurrencySummary } from './concurrency';
import { summarize, timeTemporalModes, type ModeTiming } from './overhead';

export interface KnobVariant {
  label: string;
  dynamicConfig: Record<string, string>;
  durable: ModeTiming;
  handWritten: ModeTiming;
  ratioToHandWritten: number;
  /** The concurrency lines under the same knobs (last variant only, with --knobs-load). */
  concurrency?: ConcurrencySummary[];
}

export interface ServerKnobsResult {
  steps: number;
  modelDelayMs: number;
  reps: number;
  variants: KnobVariant[];
}

const FAST_TRANSFER_QUEUE = { 'history.transferProcessorMaxPollRPS': '1000' };
const EAGER_ACTIVITIES = { 'system.enableActivityEagerExecution': 'true' };
export const KNOB_VARIANTS: ReadonlyArray<{ label: string; dynamicConfig: Record<string, string> }> = [
  { label: 'eager activities', dynamicConfig: EAGER_ACTIVITIES },
  { label: 'transferProcessorMaxPollRPS=1000', dynamicConfig: FAST_TRANSFER_QUEUE },
  {
    label: 'transferProcessorMaxPollRPS=1000 + eager activities',
    dynamicConfig: { ...FAST_TRANSFER_QUEUE, ...EAGER_ACTIVITIES },
  },
];

export async function serverKnobsPhase(
  assets: BenchAssets,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<ServerKnobsResult> {
  const variants: KnobVariant[] = [];
  for (const [index, variant] of KNOB_VARIANTS.entries()) {
    const last = index === KNOB_VARIANTS.length - 1;
    log(`server knobs: ${variant.label}: ${options.reps} runs per workflow...`);
    const env = await startBenchEnv(log, assets, variant.dynamicConfig);
    try {
      const timings = await timeTemporalModes(env, options);
      const durable = summarize('durable-agents', timings.durableMs, options.steps);
      const handWritten = summarize('hand-written', timings.handWrittenMs, options.steps);
      const result: KnobVariant = {
        ...variant,
        durable,
        handWritten,
        ratioToHandWritten: round(durable.msPerStep / handWritten.msPerStep, 2),
      };
      if (last && options.knobsLoad) {
        const rows = await loadRounds(env, options, log, [
          {
            label: `durable-agents, ${variant.label}`,
            workflow: 'durable-agents',
            tuning: options.tuning,
            queue: 'bench-knobs-da',
          },
          {
            label: `hand-written, ${variant.label}`,
            workflow: 'hand-written',
            tuning: options.tuning,
            queue: 'bench-knobs-hw',
          },
        ]);
        result.concurrency = summarizeRounds(rows, options.steps);
      }
      variants.push(result);
    } finally {
      await env.stop();
    }
  }
  return { steps: options.steps, modelDelayMs: options.stepDelayMs, reps: options.reps, variants };
}
