/**
 * c. Crash recovery. A durable-agents run whose model calls take about a second runs on a worker process; in the
 * middle of its second model call the bench SIGKILLs that process and starts a new one. Measured from the kill:
 * when the new worker polls, when the mock sees the next model request (the run moving again), when history gets its
 * next completed activity, and when the run finishes. The mock's request log then says whether any completed model
 * call was sent twice (it must not be).
 */
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { agentWorkflow } from '../../../src/workflows/agent/workflow';
import { modelCallOptions } from '../../../src/workflows/kernel/activities';
import type { BenchEnv } from '../env';
import { duplicateCompletedCalls, entriesOf } from '../mock-log';
import type { BenchOptions } from '../options';
import { benchScenario, durableInput } from '../scenario';
import { round, waitFor, within } from '../stats';

export interface CrashResult {
  modelDelayMs: number;
  steps: number;
  /** 0-based model turn that was in flight when the worker was killed. */
  killedDuringTurn: number;
  killedMsIntoCall: number;
  /** Seconds from the SIGKILL. */
  newWorkerPollingS: number;
  nextModelRequestS: number;
  nextCompletedEventS: number;
  runFinishedS: number;
  /** The model call's heartbeat timeout: how long the server waits before it retries a call on a dead worker. */
  heartbeatTimeout: string;
  retryInitialInterval: string;
  modelRequests: number;
  completedModelCalls: number;
  interruptedModelCalls: number;
  duplicateCompletedCalls: number;
  runCompleted: boolean;
}

export const CRASH_SCENARIO = 'bench-crash';
const TASK_QUEUE = 'bench-crash';
/** Long enough to kill mid call after one finished turn, short enough to keep the bench quick. */
const CRASH_STEPS = 4;
const KILLED_TURN = 1;

export async function crashPhase(
  env: BenchEnv,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<CrashResult> {
  const delay = options.crashDelayMs;
  env.mock.addScenario(CRASH_SCENARIO, benchScenario(CRASH_STEPS, delay));
  env.mock.clearLog();
  log(
    `c. crash recovery: a ${CRASH_STEPS}-step run with ${delay} ms model calls; SIGKILL during call ${KILLED_TURN + 1}...`,
  );

  const first = await env.startWorker({ taskQueue: TASK_QUEUE, tuning: options.tuning });
  let second: Awaited<ReturnType<BenchEnv['startWorker']>> | undefined;
  try {
    const handle = await env.client.workflow.start<typeof agentWorkflow>('agentWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `bench-crash-${Date.now()}`,
      args: [durableInput(`mock:${CRASH_SCENARIO}`, 'crash', CRASH_STEPS)],
      workflowExecutionTimeout: '5m',
    });
    const result = handle.result().then(
      () => true,
      () => false,
    );

    const inFlight = await waitFor(
      `model call ${KILLED_TURN + 1} to start`,
      () => entriesOf(env.mock.requests, CRASH_SCENARIO).find((e) => e.turn === KILLED_TURN),
      60_000,
      5,
    );
    const callStarted = Date.parse(inFlight.at);
    await sleep(Math.max(0, callStarted + delay * 0.4 - Date.now()));
    const seqAtKill = Math.max(...env.mock.requests.map((e) => e.seq));
    const killedAt = Date.now();
    await first.kill();
    log(
      `  killed worker ${first.pid} ${killedAt - callStarted} ms into model call ${KILLED_TURN + 1}; starting a new one`,
    );

    second = await env.startWorker({ taskQueue: TASK_QUEUE, tuning: options.tuning });
    const pollingAt = Date.now();
    const next = await waitFor(
      'the run to send its next model request',
      () => entriesOf(env.mock.requests, CRASH_SCENARIO).find((e) => e.seq > seqAtKill),
      120_000,
      5,
    );
    const completed = await within(result, 180_000, 'the crashed run');
    const finishedAt = Date.now();

    const history = await handle.fetchHistory();
    const nextCompleted = (history.events ?? []).find(
      (e) =>
        e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED &&
        tsToMs(e.eventTime) > killedAt,
    );
    const entries = entriesOf(env.mock.requests, CRASH_SCENARIO);
    const seconds = (at: number): number => round((at - killedAt) / 1000, 2);
    return {
      modelDelayMs: delay,
      steps: CRASH_STEPS,
      killedDuringTurn: KILLED_TURN,
      killedMsIntoCall: killedAt - callStarted,
      newWorkerPollingS: seconds(pollingAt),
      nextModelRequestS: seconds(Date.parse(next.at)),
      nextCompletedEventS: nextCompleted ? seconds(tsToMs(nextCompleted.eventTime)) : Number.NaN,
      runFinishedS: seconds(finishedAt),
      heartbeatTimeout: String(modelCallOptions.heartbeatTimeout),
      retryInitialInterval: String(modelCallOptions.retry?.initialInterval),
      modelRequests: entries.length,
      completedModelCalls: entries.filter((e) => e.outcome === 'ok').length,
      interruptedModelCalls: entries.filter((e) => e.outcome === 'aborted').length,
      duplicateCompletedCalls: duplicateCompletedCalls(entries),
      runCompleted: completed,
    };
  } finally {
    await first.stop();
    await second?.stop();
  }
}
