/**
 * The production-shaped server under load and faults: Temporal's own server (the version the pinned CLI embeds) on a
 * throwaway PostgreSQL, frontend, history, matching and worker as separate processes, 4 history shards; our search
 * attributes registered. RUNS runs of the shipped research-chain graph (a researcher and a writer child agent each)
 * go to three worker processes; during the load one worker is SIGKILLed and the history service is SIGKILLed and
 * started again. Every run must complete with the graph's output, and the mock LLM's request log must show no
 * completed model call sent twice: every repeated call must be a retried attempt in the histories. The figures it prints go into docs/benchmarks.md by hand.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { loadGraphSpec } from '../../src/agents/graphs';
import { GRAPH_WORKFLOW_TYPE, type GraphResult } from '../../src/contracts/graph-contract';
import { startMockLlmServer, type MockLlmServer } from '../../src/servers/mock-llm/server';
import { startTemporalCluster, type TemporalCluster } from '../../src/testing/temporal-server/cluster';
import { installTemporalServer, serverVersionOfCli } from '../../src/testing/temporal-server/install';
import type { graphWorkflow } from '../../src/workflows';
import { prepareBenchAssets, type BenchAssets } from '../../scripts/bench/env';
import { duplicateCompletedCalls } from '../../scripts/bench/mock-log';
import { startWorkerChild, type WorkerChild } from '../../scripts/bench/worker-child';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { startPostgres, type PostgresCluster } from '../helpers/postgres';

const RUNS = 500;
const WORKERS = 3;
const TASK_QUEUE = 'production-scale';
const log = (line: string): void => void process.stderr.write(`${line}\n`);

let pg: PostgresCluster | undefined;
let cluster: TemporalCluster | undefined;
let mock: MockLlmServer | undefined;
let assets: BenchAssets | undefined;
let connection: Connection | undefined;
const workers: WorkerChild[] = [];

function startWorker(): Promise<WorkerChild> {
  return startWorkerChild({
    address: (cluster as TemporalCluster).address,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    mockUrl: (mock as MockLlmServer).url,
    bundlePath: (assets as BenchAssets).bundlePath,
    workspaceDir: (assets as BenchAssets).workspaceDir,
    knowledgeBaseDir: path.resolve(__dirname, '../../src/agents/knowledge-base'),
    tuning: {},
    logLevel: 'error',
    maxLifetimeMs: 15 * 60_000,
  });
}

before(async () => {
  const startedAt = Date.now();
  const cli = await resolveTemporalCli({ allowInstall: true, log });
  assert.notEqual(cli.source, 'sdk-download', 'this test needs the pinned Temporal CLI binary');
  const binaries = await installTemporalServer(serverVersionOfCli(cli.path), { log });
  pg = await startPostgres();
  [cluster, mock, assets] = await Promise.all([
    startTemporalCluster({ binaries, postgresUrl: pg.url, historyShards: 4, log }),
    startMockLlmServer({ host: '127.0.0.1', port: 0 }),
    prepareBenchAssets(log),
  ]);
  connection = await Connection.connect({ address: cluster.address });
  for (let i = 0; i < WORKERS; i++) workers.push(await startWorker());
  log(`server, PostgreSQL and ${WORKERS} workers up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
});

after(async () => {
  await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
  await connection?.close();
  await cluster?.stop();
  await mock?.close();
  assets?.cleanup();
  await pg?.stop();
});

/** Polls until `check` returns a value; errors count as "not yet" (the history service may be down). */
async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

describe('production-shaped server', () => {
  it('runs the shipped graph with child agents through a worker crash and a history restart', async () => {
    const c = cluster as TemporalCluster;
    const client = new Client({ connection: connection as Connection, namespace: c.namespace });

    // The cluster is what the issue asks for: 4 history shards, our search attributes queryable.
    const described = await client.workflowService.getClusterInfo({});
    assert.equal(described.historyShardCount, 4);
    const attributes = await client.connection.operatorService.listSearchAttributes({ namespace: c.namespace });
    for (const name of ['AgentName', 'AgentStatus', 'AgentCostUsd', 'AgentTokens', 'AwaitingApproval']) {
      assert.ok(name in (attributes.customAttributes ?? {}), `${name} is not registered`);
    }

    const spec = loadGraphSpec('research-chain');
    const prefix = `prod-${process.pid}`;
    const completedCount = async (): Promise<number> =>
      Number(
        (
          await client.workflowService.countWorkflowExecutions({
            namespace: c.namespace,
            query: `WorkflowType = '${GRAPH_WORKFLOW_TYPE}' AND ExecutionStatus = 'Completed'`,
          })
        ).count,
      );

    const loadStarted = Date.now();
    for (let i = 0; i < RUNS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, RUNS - i) }, (_, j) =>
          client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
            taskQueue: TASK_QUEUE,
            workflowId: `${prefix}-${i + j}`,
            // A topic of its own per run, so equal conversations in the mock's log mean one run sent a call twice.
            args: [{ spec, input: { topic: `durable execution #${i + j}` } }],
          }),
        ),
      );
    }
    log(`started ${RUNS} runs in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

    // Fault 1: SIGKILL a worker once a fifth of the runs completed; the other two carry on, and the killed
    // worker's in-flight tasks are retried elsewhere after their timeouts.
    const beforeKill = await waitUntil(
      'a fifth of the runs to complete',
      async () => ((await completedCount()) >= RUNS / 5 ? completedCount() : undefined),
      240_000,
    );
    const victim = workers.shift() as WorkerChild;
    const killedAt = Date.now();
    await victim.kill();
    const afterKill = await waitUntil(
      'a run to complete after the worker crash',
      async () => {
        const n = await completedCount();
        return n > beforeKill + 5 ? Date.now() : undefined;
      },
      240_000,
    );
    const workerRecoveryS = (afterKill - killedAt) / 1000;
    log(`worker ${victim.pid} SIGKILLed at ${beforeKill} completed; runs completing again after ${workerRecoveryS} s`);

    // Fault 2: SIGKILL the history service and start it again at half the load.
    const beforeHistory = await waitUntil(
      'half of the runs to complete',
      async () => ((await completedCount()) >= RUNS / 2 ? completedCount() : undefined),
      240_000,
    );
    const historyKilledAt = Date.now();
    await c.kill('history', 'SIGKILL');
    await sleep(2_000);
    await c.start('history');
    const afterHistory = await waitUntil(
      'a run to complete after the history restart',
      async () => {
        const n = await completedCount();
        return n > beforeHistory + 5 ? Date.now() : undefined;
      },
      240_000,
    );
    const historyRecoveryS = (afterHistory - historyKilledAt) / 1000;
    log(
      `history SIGKILLed at ${beforeHistory} completed and restarted; runs completing again after ${historyRecoveryS} s`,
    );

    await waitUntil(
      'every run to complete',
      async () => ((await completedCount()) >= RUNS ? true : undefined),
      300_000,
    );
    const loadS = (Date.now() - loadStarted) / 1000;

    // Every run ends `completed` with the writer's output, and its run time comes from the server's own record.
    const durations: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const handle = client.workflow.getHandle(`${prefix}-${i}`);
      const result = (await handle.result()) as GraphResult;
      assert.equal(result.status, 'completed', `run ${i}`);
      assert.match(String(result.output), /history, not a process/);
      const d = await handle.describe();
      durations.push(((d.closeTime as Date).getTime() - d.startTime.getTime()) / 1000);
    }
    durations.sort((a, b) => a - b);

    // Activities run at least once: a model call answered but not recorded as completed (its worker died, its
    // completion could not reach the history service, or a starved worker missed its heartbeat) is retried, and
    // may reach the model again. So every repeated conversation in the mock's log must be matched by a retried
    // attempt in the histories (ActivityTaskStarted carries the attempt that completed); a repeat beyond that would
    // be a completed call sent again.
    const requests = (mock as MockLlmServer).requests;
    const repeated = duplicateCompletedCalls(requests);
    let retries = 0;
    for (let i = 0; i < RUNS; i++) {
      for (const id of [`${prefix}-${i}`, `${prefix}-${i}/researcher-1`, `${prefix}-${i}/writer-2`]) {
        const history = await client.workflow.getHandle(id).fetchHistory();
        for (const e of history.events ?? []) {
          const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
          if (attempt > 1) retries += attempt - 1;
        }
      }
    }
    assert.ok(repeated <= retries, `${repeated} model calls were sent again but only ${retries} attempts were retried`);
    const figures = {
      runs: RUNS,
      workers: WORKERS,
      historyShards: 4,
      loadSeconds: Math.round(loadS),
      runsPerMinute: Math.round((RUNS / loadS) * 60),
      p50RunSeconds: percentile(durations, 50),
      p95RunSeconds: percentile(durations, 95),
      modelRequests: requests.length,
      modelCallsSentAgain: repeated,
      retriedAttempts: retries,
      workerKillRecoverySeconds: workerRecoveryS,
      historyRestartRecoverySeconds: historyRecoveryS,
    };
    log(`figures: ${JSON.stringify(figures)}`);
  });
});
