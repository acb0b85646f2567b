/**
 * The bench's handle on a worker process (scripts/bench/worker-process.ts): start it, wait until it polls, read
 * its memory, stop it gracefully or SIGKILL it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { within } from './stats';
import type { ChildMessage, MemoryStats, ParentMessage, WorkerProcessConfig } from './worker-process';

export interface WorkerChild {
  pid: number;
  /** Milliseconds from spawn to the worker polling. */
  startupMs: number;
  stats(): Promise<MemoryStats>;
  resetPeak(): void;
  /** Graceful shutdown; resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; resolves when the process is gone. */
  kill(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
const STATS_TIMEOUT_MS = 10_000;

export async function startWorkerChild(config: WorkerProcessConfig): Promise<WorkerChild> {
  const started = Date.now();
  const child: ChildProcess = fork(path.join(__dirname, 'worker-process.ts'), [JSON.stringify(config)], {
    // BENCH_WORKER_CPU_PROF=<dir>: each worker process writes V8 CPU profiles (main and workflow threads) there.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_WORKER_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_CPU_PROF}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const nextMessage = <T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: ChildMessage): void => {
        if (m.type === type) {
          cleanup();
          resolve(m as Extract<ChildMessage, { type: T }>);
        } else if (m.type === 'error') {
          cleanup();
          reject(new Error(`bench worker failed: ${m.message}`));
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        cleanup();
        reject(new Error(`bench worker exited (${signal ?? `code ${code}`}) while the bench waited for '${type}'`));
      };
      const cleanup = (): void => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const post = (message: ParentMessage): void => {
    if (child.connected) child.send(message);
  };

  try {
    await within(nextMessage('ready'), READY_TIMEOUT_MS, 'starting the bench worker');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const startupMs = Date.now() - started;

  return {
    pid: child.pid as number,
    startupMs,
    stats: async () => {
      const reply = nextMessage('stats');
      post({ type: 'stats' });
      const { type: _type, ...stats } = await within(reply, STATS_TIMEOUT_MS, 'reading worker memory');
      return stats;
    },
    resetPeak: () => post({ type: 'reset-peak' }),
    stop: async () => {
      post({ type: 'shutdown' });
      try {
        await within(exited, 30_000, 'stopping the bench worker');
      } catch {
        child.kill('SIGKILL');
        await exited;
      }
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
