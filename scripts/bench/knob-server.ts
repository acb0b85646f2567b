/**
 * A dev server with dynamic config, for the server-knobs phase. startDevServer has no way to pass
 * `--dynamic-config-value`, so this runs the same command (devServerArgs: same flags, same search attributes) with
 * those values appended, its output kept off our stdout, and stops it with SIGTERM (SIGKILL after 15 s).
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { devServerArgs, findFreePort, isServerUp } from '../dev-server';

export interface KnobServer {
  address: string;
  namespace: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startKnobServer(cliPath: string, dynamicConfig: Record<string, string>): Promise<KnobServer> {
  if (!cliPath) throw new Error('the server-knobs phase needs a Temporal CLI binary (not the SDK download)');
  const ip = '127.0.0.1';
  const namespace = 'default';
  const port = await findFreePort(ip);
  const args = [
    ...devServerArgs({ ip, port, uiPort: 0, namespace, headless: true, logLevel: 'error' }),
    ...Object.entries(dynamicConfig).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${v}`]),
  ];
  const child = spawn(cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const lastErrors: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    lastErrors.push(chunk);
    if (lastErrors.length > 20) lastErrors.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', stopOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const address = `${ip}:${port}`;
  const deadline = Date.now() + 60_000;
  while (!(await isServerUp(address, { namespace, timeoutMs: 1_000 }))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`dev server with ${args.join(' ')} did not come up: ${lastErrors.join('').slice(-2000)}`);
    }
    await sleep(200);
  }
  return { address, namespace, pid: child.pid as number, stop };
}
