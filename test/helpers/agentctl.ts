/**
 * Runs the real agentctl (`node bin/agentctl.js ...`) as a subprocess, the way a person does, pointed at a
 * test stack. TEMPORAL_* variables inherited from the shell are dropped, so a test never reaches someone's
 * real cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestStack } from './stack';

export const agentctlBin = path.resolve(__dirname, '../../bin/agentctl.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment that points agentctl at the stack's dev server, namespace and task queue. */
export function agentctlEnv(stack: TestStack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: stack.address,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    ...extra,
  };
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(out)) if (k.startsWith('TEMPORAL_')) delete out[k];
  return Object.assign(out, env);
}

/** A running agentctl: its output so far, and a promise of how it ended. */
export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<CliRun>;
}

/** Starts agentctl and returns at once, for long-running commands such as `watch`. */
export function spawnAgentctl(args: string[], env: Record<string, string>, timeoutMs = 60_000): CliProcess {
  const child = spawn(process.execPath, [agentctlBin, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `agentctl ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

/** Runs agentctl to the end. */
export function agentctl(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return spawnAgentctl(args, env, timeoutMs).done;
}
