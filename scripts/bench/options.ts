/**
 * `npm run bench` settings: flags first, then BENCH_* environment variables, then defaults. Everything the
 * bench measures with is decided here and written into the results, so a figure always comes with its knobs.
 */
import { UserError } from '../../src/contracts/errors';

/** Worker options the bench sets on its workers; `createAgentWorker` does not expose them (yet). */
export interface WorkerTuning {
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
  maxConcurrentActivityTaskPolls?: number;
  maxConcurrentWorkflowTaskPolls?: number;
  maxEagerActivityReservationsPerWorkflowTask?: number;
}

export type Phase = 'overhead' | 'concurrency' | 'crash' | 'prompt' | 'api' | 'tokens' | 'knobs';
export const ALL_PHASES: readonly Phase[] = ['overhead', 'concurrency', 'crash', 'prompt', 'api', 'tokens', 'knobs'];

export interface BenchOptions {
  /** Model calls per scripted run: steps - 1 calculator turns, then the final answer. */
  steps: number;
  /** Timed repetitions of each overhead mode (after one warm-up run each); the median is reported. */
  reps: number;
  /** Mock model latency of the overhead and prompt runs. */
  stepDelayMs: number;
  /** Concurrent runs of the concurrency phase. */
  runs: number;
  /** Mock model latency of the concurrency phase. */
  loadDelayMs: number;
  /** Mock model latency of the crash phase, so the kill lands mid call. */
  crashDelayMs: number;
  /** Rounds of the concurrency phase; each round runs every configuration once, and the table shows medians. */
  rounds: number;
  /** Also run the concurrency phase for durable-agents on a worker with the SDK's default options. */
  defaultsRow: boolean;
  /** Also run the concurrency phase on the last server-knobs variant. */
  knobsLoad: boolean;
  phases: Phase[];
  /** Worker options of every bench worker except the SDK-defaults row. */
  tuning: WorkerTuning;
  /** Write bench/results/*.json and docs/benchmarks.md (off for trial runs). */
  write: boolean;
  /** The whole bench gives up (and stops what it started) after this long. */
  deadlineMs: number;
}

export const BENCH_HELP = `npm run bench -- [options]

  --runs N              concurrent runs in the concurrency phase (BENCH_RUNS, default 200)
  --reps N              timed repetitions per overhead mode, median reported (BENCH_REPS, default 5)
  --steps N             model calls per scripted run (BENCH_STEPS, default 10)
  --step-delay MS       mock model latency for the overhead runs (default 20)
  --load-delay MS       mock model latency for the concurrency runs (default 200)
  --crash-delay MS      mock model latency for the crash run (default 1000)
  --activity-slots N    maxConcurrentActivityTaskExecutions (default max(200, runs))
  --workflow-slots N    maxConcurrentWorkflowTaskExecutions (default 40, the SDK default)
  --cache N             maxCachedWorkflows (default max(1000, 2 * runs))
  --rounds N            rounds of the concurrency phase, medians reported (BENCH_ROUNDS, default 2)
  --defaults-row        add a concurrency line for durable-agents on a worker with the SDK's default options
  --knobs-load          add concurrency lines on the dev server with all server knobs turned
  --only a,b            phases to run: overhead, concurrency, crash, prompt, api, tokens, knobs (default all); knobs repeats
                        the Temporal runs on dev servers with server-side knobs turned
  --no-write            print the tables only; do not touch bench/results or docs/benchmarks.md
`;

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${name} must be a positive whole number, not "${raw}"`);
  return n;
}

/** Parses argv (without node and script) and the environment into bench options; `'help'` for --help. */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | 'help' {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--no-write' || arg === '--defaults-row' || arg === '--knobs-load') {
      switches.add(arg);
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UserError(`unknown argument "${arg}"; see npm run bench -- --help`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UserError(`--${m[1]} needs a value`);
    flags.set(m[1] as string, value);
  }
  const known = [
    'runs',
    'rounds',
    'reps',
    'steps',
    'step-delay',
    'load-delay',
    'crash-delay',
    'activity-slots',
    'workflow-slots',
    'cache',
    'only',
  ];
  for (const name of flags.keys()) {
    if (!known.includes(name)) throw new UserError(`unknown flag --${name}; see npm run bench -- --help`);
  }
  const int = (flag: string, envName: string | undefined, fallback: number): number =>
    positiveInt(`--${flag}`, flags.get(flag)) ??
    positiveInt(envName ?? flag, envName ? env[envName] : undefined) ??
    fallback;

  const runs = int('runs', 'BENCH_RUNS', 200);
  const steps = int('steps', 'BENCH_STEPS', 10);
  if (steps < 2) throw new UserError('--steps must be at least 2 (one tool turn and the final answer)');
  const only = flags.get('only') ?? env.BENCH_ONLY;
  const phases = only ? only.split(',').map((p) => p.trim()) : [...ALL_PHASES];
  for (const p of phases) {
    if (!ALL_PHASES.includes(p as Phase))
      throw new UserError(`--only: unknown phase "${p}"; known: ${ALL_PHASES.join(', ')}`);
  }
  return {
    steps,
    reps: int('reps', 'BENCH_REPS', 5),
    stepDelayMs: int('step-delay', undefined, 20),
    runs,
    loadDelayMs: int('load-delay', undefined, 200),
    crashDelayMs: int('crash-delay', undefined, 1000),
    rounds: int('rounds', 'BENCH_ROUNDS', 2),
    defaultsRow: switches.has('--defaults-row'),
    knobsLoad: switches.has('--knobs-load'),
    phases: phases as Phase[],
    tuning: {
      // Each run has at most one activity in flight (a model call or a tool call), so one slot per run means no
      // run ever waits for a slot; activities here wait on I/O, so many slots cost little CPU.
      maxConcurrentActivityTaskExecutions: int('activity-slots', undefined, Math.max(200, runs)),
      maxConcurrentWorkflowTaskExecutions: int('workflow-slots', undefined, 40),
      // Every run stays cached for its whole life: an evicted run is replayed from its full history on its next task.
      maxCachedWorkflows: int('cache', undefined, Math.max(1000, 2 * runs)),
    },
    write: !switches.has('--no-write'),
    deadlineMs: 15 * 60_000,
  };
}
