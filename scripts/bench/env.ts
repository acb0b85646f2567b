/**
 * What every bench phase runs on: the real Temporal dev server (the resolved CLI, free port, in-memory database),
 * the shipped mock LLM server, a client, the workflow bundle built once, and worker processes on demand.
 * `stop()` stops all of it, including workers a failed phase left behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startMockLlmServer, type MockLlmServer } from '../../src/servers/mock-llm/server';
import { startDevServer } from '../dev-server';
import { resolveTemporalCli } from '../temporal-cli';
import { startKnobServer } from './knob-server';
import type { WorkerTuning } from './options';
import { startPostgres } from '../../test/helpers/postgres';
import { startTemporalCluster } from '../../src/testing/temporal-server/cluster';
import { installTemporalServer, serverVersionOfCli } from '../../src/testing/temporal-server/install';
import type { BenchServer } from './options';
import { cpuSeconds, serverPid } from './stats';
import { startWorkerChild, type WorkerChild } from './worker-child';

/** Built once per bench: the workflow bundle every worker process loads, the CLI, and a scratch folder. */
export interface BenchAssets {
  bundlePath: string;
  workspaceDir: string;
  cliPath: string;
  cliSource: string;
  /** The CLI's version line. */
  cliVersion: string;
  /** The Temporal server phases run on (`--server`). */
  server: BenchServer;
  cleanup(): void;
}

export interface BenchEnv {
  address: string;
  namespace: string;
  client: Client;
  mock: MockLlmServer;
  /** A scratch folder for the file tools. */
  workspaceDir: string;
  /** Dynamic config given to this dev server on top of the CLI's own defaults; empty for the stock server. */
  dynamicConfig: Record<string, string>;
  /** Which Temporal server the phases run on. */
  server: BenchServer;
  /** CPU seconds the Temporal server's processes have used so far (Linux), undefined when unreadable. */
  serverCpuSeconds(): number | undefined;
  /** Starts a worker process on its own task queue; `mockUrl` defaults to the mock server. */
  startWorker(options: { taskQueue: string; tuning: WorkerTuning; mockUrl?: string }): Promise<WorkerChild>;
  stop(): Promise<void>;
}

const quietBundler = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`bundler: ${m}\n`),
  error: (m: string) => process.stderr.write(`bundler: ${m}\n`),
};

function cliVersion(cliPath: string): string {
  if (!cliPath) return 'downloaded by the Temporal SDK';
  try {
    return execFileSync(cliPath, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return 'unknown';
  }
}

export async function prepareBenchAssets(
  log: (line: string) => void,
  server: BenchServer = 'dev',
): Promise<BenchAssets> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-agents-bench-'));
  const cleanup = (): void => fs.rmSync(tmpDir, { recursive: true, force: true });
  try {
    const cli = await resolveTemporalCli({ allowInstall: true, log });
    log('Bundling the bench workflows (agentWorkflow and the hand-written baseline)...');
    const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: quietBundler });
    const bundlePath = path.join(tmpDir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    const workspaceDir = path.join(tmpDir, 'workspace');
    fs.mkdirSync(workspaceDir);
    return {
      bundlePath,
      workspaceDir,
      cliPath: cli.path,
      cliSource: cli.source,
      cliVersion: cliVersion(cli.path),
      server,
      cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

interface TemporalServer {
  address: string;
  namespace: string;
  /** The server's processes (the dev server; or frontend, history, matching and worker), for their CPU time. */
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * The production-shaped server of `npm run server:postgres`: Temporal's own server at the CLI's version on a
 * throwaway PostgreSQL, four services as processes, 4 history shards. Its CPU figures leave PostgreSQL out.
 */
async function startPostgresServer(assets: BenchAssets, log: (line: string) => void): Promise<TemporalServer> {
  const binaries = await installTemporalServer(serverVersionOfCli(assets.cliPath), { log });
  log(`Starting Temporal ${binaries.version} on PostgreSQL (4 services, 4 shards)...`);
  const pg = await startPostgres();
  try {
    const cluster = await startTemporalCluster({ binaries, postgresUrl: pg.url, historyShards: 4, log });
    return {
      address: cluster.address,
      namespace: cluster.namespace,
      pids: () => Object.values(cluster.pids()).filter((p): p is number => p !== undefined),
      stop: async () => {
        await cluster.stop();
        await pg.stop();
      },
    };
  } catch (err) {
    await pg.stop();
    throw err;
  }
}

/** The stock dev server through startDevServer, or one with dynamic config for the server-knobs phase. */
async function startTemporal(
  assets: BenchAssets,
  dynamicConfig: Record<string, string>,
  log: (line: string) => void,
): Promise<TemporalServer> {
  const entries = Object.entries(dynamicConfig);
  if (assets.server === 'postgres') {
    if (entries.length) throw new Error('server knobs are dev-server dynamic config; not for --server postgres');
    return startPostgresServer(assets, log);
  }
  if (entries.length === 0) {
    const server = await startDevServer({
      cliPath: assets.cliPath,
      ip: '127.0.0.1',
      port: 0,
      headless: true,
      logLevel: 'error',
      log,
    });
    return {
      address: server.address,
      namespace: server.namespace,
      pids: () => {
        const pid = serverPid(Number(server.address.split(':').pop()));
        return pid === undefined ? [] : [pid];
      },
      stop: () => server.stop(),
    };
  }
  log(`Starting a dev server with ${entries.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const knobs = await startKnobServer(assets.cliPath, dynamicConfig);
  return { ...knobs, pids: () => [knobs.pid] };
}

export async function startBenchEnv(
  log: (line: string) => void,
  assets: BenchAssets,
  dynamicConfig: Record<string, string> = {},
): Promise<BenchEnv> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const server = await startTemporal(assets, dynamicConfig, log);
    cleanups.push(() => server.stop());

    const mock = await startMockLlmServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => mock.close());

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });

    const workers = new Set<WorkerChild>();
    cleanups.push(async () => {
      await Promise.all([...workers].map((w) => w.stop()));
    });

    return {
      address: server.address,
      namespace: server.namespace,
      client,
      mock,
      workspaceDir: assets.workspaceDir,
      dynamicConfig,
      server: assets.server,
      serverCpuSeconds: () => {
        const pids = server.pids();
        const each = pids.map((pid) => cpuSeconds(pid));
        if (!pids.length || each.some((s) => s === undefined)) return undefined;
        return (each as number[]).reduce((a, b) => a + b, 0);
      },
      startWorker: async ({ taskQueue, tuning, mockUrl }) => {
        const child = await startWorkerChild({
          address: server.address,
          namespace: server.namespace,
          taskQueue,
          mockUrl: mockUrl ?? mock.url,
          bundlePath: assets.bundlePath,
          workspaceDir: assets.workspaceDir,
          knowledgeBaseDir: path.resolve(__dirname, '../../src/agents/knowledge-base'),
          tuning,
          logLevel: process.env.BENCH_WORKER_LOG_LEVEL ?? 'error',
          maxLifetimeMs: 20 * 60_000,
        });
        // Forget the worker once it is stopped or killed, so cleanup does not wait on it again.
        const forget =
          <A extends unknown[]>(fn: (...a: A) => Promise<void>) =>
          async (...a: A): Promise<void> => {
            await fn(...a);
            workers.delete(handle);
          };
        const handle: WorkerChild = { ...child, stop: forget(child.stop), kill: forget(child.kill) };
        workers.add(handle);
        return handle;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
