/**
 * Agent workers in child processes, for tests that kill a worker the hard way (SIGKILL: no shutdown, no
 * goodbye to the server) and check that another worker finishes the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Provider } from '../../src/contracts/model-id';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/agent-worker';

export interface ChildWorkerSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  mockUrl: string;
  workspaceDir: string;
  knowledgeBaseDir: string;
  /** A workflow bundle written by {@link writeWorkflowBundle}, so children start without bundling. */
  bundlePath: string;
  /** A module exporting `tools` (defineTool), as AGENT_TOOLS_MODULE names one for `npm run worker`. */
  toolsModule?: string;
  identity: string;
  /** Model calls a second per provider, as AGENT_RATE_LIMIT_<PROVIDER> sets them for `npm run worker`. */
  rateLimits?: Partial<Record<Provider, number>>;
  /** AGENT_TOKEN_STREAM_URL: the PostgreSQL token broker the worker publishes live text to. */
  tokenStreamUrl?: string;
}

export interface ChildWorker {
  pid: number;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful shutdown); resolves once the process is gone. */
  stop(): Promise<void>;
  /** What the child wrote to stderr so far (its warnings and errors). */
  stderr(): string;
}

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Bundles the workflow code once and writes it to a temporary file that child workers load. */
export async function writeWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'da-bundle-')), 'workflows.js');
  fs.writeFileSync(file, code);
  return file;
}

const entry = path.join(__dirname, 'child-worker-entry.ts');

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a worker process and resolves once it polls its task queue. */
export async function startChildWorker(
  settings: ChildWorkerSettings,
  env: Record<string, string> = {},
): Promise<ChildWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env, CHILD_WORKER: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`child worker not ready in 60 s: ${stderr}`)), 60_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child worker exited (${code ?? signal}) before it was ready: ${stderr}`));
    });
  });
  return {
    pid: child.pid as number,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
    stderr: () => stderr,
  };
}
