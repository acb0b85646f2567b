/**
 * `run_javascript`: runs a model's JavaScript in a separate `node` process, never in the worker. The child gets
 * a wall-time limit (killed with SIGKILL when it passes), a heap limit (`--max-old-space-size`), Node's
 * permission model confining file reads and writes to the workspace (no child processes, workers or native
 * addons either), an empty environment (no worker secrets), and, where Linux allows an unprivileged network
 * namespace (`unshare --net --map-root-user`), no network at all. Where it does not, it refuses to run, unless
 * the operator opted out (RUN_JAVASCRIPT_NETWORK_ISOLATION=auto runs with the network then, and logs a warning
 * once; `off` never isolates).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Context, log } from '@temporalio/activity';
import { z } from 'zod';
import { ErrorType } from '../../contracts/errors';
import { defineTool, type DefinedTool } from './define-tool';
import { ToolError } from './tool-activity';

export interface CodeRunnerSettings {
  /** Wall time of one run; the process is killed when it passes (RUN_JAVASCRIPT_TIMEOUT_MS). */
  timeoutMs: number;
  /** V8 heap limit in MB (RUN_JAVASCRIPT_MEMORY_MB). */
  memoryMb: number;
  /** Whether each run waits for a person's approval (RUN_JAVASCRIPT_NEEDS_APPROVAL); true by default. */
  needsApproval: boolean;
  /**
   * RUN_JAVASCRIPT_NETWORK_ISOLATION. `required` (the default) isolates the network or refuses to run; `auto`
   * isolates it when the OS allows and runs with the network otherwise; `off` never tries. The last two are
   * the operator's explicit opt-out: a model's code can then reach whatever the worker can.
   */
  networkIsolation: 'required' | 'auto' | 'off';
  /**
   * The most workspace entries searched for escaping symbolic links before each run
   * (RUN_JAVASCRIPT_MAX_WORKSPACE_ENTRIES). A workspace past it is refused: an unsearched part could hold a link.
   */
  maxWorkspaceEntries: number;
  /** The most characters kept of stdout and of stderr each. */
  maxOutputChars: number;
}

export const defaultCodeRunnerSettings: CodeRunnerSettings = {
  timeoutMs: 10_000,
  memoryMb: 128,
  needsApproval: true,
  networkIsolation: 'required',
  maxWorkspaceEntries: 20_000,
  maxOutputChars: 20_000,
};

export const runJavaScriptSchema = z.object({ code: z.string().min(1).max(100_000) }).strict();

/** How far the sandbox goes on this machine. */
export interface SandboxReport {
  network: 'isolated' | 'open';
  /** Absolute path of `unshare`, when the network is isolated. */
  unshare?: string;
  /** Why the network is open, when it is. */
  reason?: string;
}

/** Probe results by the `unshare` found (or none): one short spawn per process and PATH, not per run. */
const sandboxProbes = new Map<string, SandboxReport>();

/** The first executable named `name` on the worker's PATH. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next folder.
    }
  }
  return undefined;
}

/** Whether `unshare --net --map-root-user` works here; probed once per process and `unshare` found. */
export function detectSandbox(settings: Pick<CodeRunnerSettings, 'networkIsolation'>): SandboxReport {
  if (settings.networkIsolation === 'off') return { network: 'open', reason: 'network isolation is turned off' };
  if (process.platform !== 'linux') {
    return { network: 'open', reason: `network namespaces need Linux, not ${process.platform}` };
  }
  const unshare = onPath('unshare');
  if (!unshare) return { network: 'open', reason: 'unshare is not on PATH (util-linux)' };
  const known = sandboxProbes.get(unshare);
  if (known) return known;
  const probe = spawnSync(unshare, ['--net', '--map-root-user', process.execPath, '-e', ''], {
    stdio: 'pipe',
    timeout: 5000,
  });
  let report: SandboxReport;
  if (probe.status === 0) report = { network: 'isolated', unshare };
  else {
    const detail = probe.error?.message ?? (probe.stderr.toString().trim() || `exit ${probe.status}`);
    report = { network: 'open', reason: `unshare --net --map-root-user failed: ${detail}` };
  }
  sandboxProbes.set(unshare, report);
  return report;
}

/**
 * Refuses to run without network isolation when the settings require it (the default), so a worker where
 * `unshare` is missing or not permitted never gives a model's code the network without the operator saying so.
 */
export function requireIsolation(settings: Pick<CodeRunnerSettings, 'networkIsolation'>): SandboxReport {
  const sandbox = detectSandbox(settings);
  if (sandbox.network === 'open' && settings.networkIsolation === 'required') {
    throw new ToolError(
      ErrorType.ToolPermissionDenied,
      `run_javascript refuses to run without network isolation (${sandbox.reason}); install util-linux and allow unprivileged user namespaces, or let the operator opt out with RUN_JAVASCRIPT_NETWORK_ISOLATION=auto`,
    );
  }
  return sandbox;
}

/** Node 22.13+ calls the flag `--permission`; Node 20 only knows `--experimental-permission`. */
const permissionFlag = process.allowedNodeEnvironmentFlags.has('--permission')
  ? '--permission'
  : '--experimental-permission';

/** What the workspace search found: an escaping link, too many entries to search, or a folder it could not read. */
type ScanFinding =
  { kind: 'link'; path: string } | { kind: 'limit' } | { kind: 'error'; path: string; message: string };

/**
 * Node's permission model follows symbolic links, so a link inside the workspace that points out would open
 * the door; the child cannot make one (symlink needs permission on both ends), but something else might have.
 * The workspace is searched before each run; a link that leads out, a workspace too large to search whole, or
 * a folder that cannot be read refuses the run, since an unsearched part could hold such a link.
 */
async function scanWorkspace(root: string, limit: number): Promise<ScanFinding | undefined> {
  const queue = [root];
  let seen = 0;
  while (queue.length) {
    const dir = queue.shift() as string;
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      return { kind: 'error', path: path.relative(root, dir) || '.', message: (err as Error).message };
    }
    for (const entry of entries) {
      if (++seen > limit) return { kind: 'limit' };
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await fsp.realpath(full).catch(() => undefined);
        const rel = target === undefined ? '..' : path.relative(root, target);
        if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel))
          return { kind: 'link', path: path.relative(root, full) };
      } else if (entry.isDirectory()) queue.push(full);
    }
  }
  return undefined;
}

function scanRefusal(finding: ScanFinding, limit: number): ToolError {
  const why =
    finding.kind === 'link'
      ? `the workspace holds a symbolic link that leads outside it (${finding.path}); run_javascript refuses to run until it is removed`
      : finding.kind === 'limit'
        ? `the workspace holds more than ${limit} entries, too many to search for links that lead outside it; run_javascript refuses to run until it is cleaned up (or the operator raises RUN_JAVASCRIPT_MAX_WORKSPACE_ENTRIES)`
        : `the workspace folder ${finding.path} cannot be searched for links that lead outside it (${finding.message}); run_javascript refuses to run`;
  return new ToolError(ErrorType.ToolPermissionDenied, why);
}

function capped(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters cut)`;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  network: SandboxReport['network'];
}

/**
 * Runs `code` in a sandboxed child process with the workspace as its working folder. A run past its wall time
 * fails with a non-retryable `ToolTimedOut` (the same code would loop again); one that runs out of heap with a
 * non-retryable `ToolFailed`. Any other exit, zero or not, is a result the model reads.
 */
export async function runJavaScript(
  workspaceDir: string,
  settings: CodeRunnerSettings,
  code: string,
  cancel?: AbortSignal,
): Promise<RunResult> {
  await fsp.mkdir(workspaceDir, { recursive: true });
  const root = await fsp.realpath(workspaceDir);
  const finding = await scanWorkspace(root, settings.maxWorkspaceEntries);
  if (finding) throw scanRefusal(finding, settings.maxWorkspaceEntries);
  const sandbox = requireIsolation(settings);
  const nodeArgs = [
    permissionFlag,
    `--allow-fs-read=${root}`,
    `--allow-fs-write=${root}`,
    `--max-old-space-size=${settings.memoryMb}`,
    // The program comes on stdin: no file outside the workspace to read, no argument length limit.
    '-',
  ];
  const [command, args] =
    sandbox.network === 'isolated' && sandbox.unshare
      ? [sandbox.unshare, ['--net', '--map-root-user', process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];

  const child = spawn(command, args, {
    cwd: root,
    // Nothing of the worker's environment (API keys, tokens) reaches the code.
    env: { NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so a kill reaches anything it might have started.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  const limit = settings.maxOutputChars + 1000;
  child.stdout.on('data', (c: Buffer) => void (stdout.length < limit && (stdout += c.toString())));
  child.stderr.on('data', (c: Buffer) => void (stderr.length < limit && (stderr += c.toString())));
  child.stdin.on('error', () => undefined); // A program that exits before reading its source closes the pipe.
  child.stdin.end(code);

  const kill = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, settings.timeoutMs);
  cancel?.addEventListener('abort', kill, { once: true });
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  }).finally(() => {
    clearTimeout(timer);
    cancel?.removeEventListener('abort', kill);
  });

  if (timedOut) {
    throw new ToolError(
      ErrorType.ToolTimedOut,
      `the code ran past its time limit of ${settings.timeoutMs} ms and was stopped`,
    );
  }
  if (/JavaScript heap out of memory|Reached heap limit/.test(stderr)) {
    throw new ToolError(
      ErrorType.ToolFailed,
      `the code ran out of memory (limit ${settings.memoryMb} MB) and was stopped`,
    );
  }
  return {
    exitCode,
    signal,
    stdout: capped(stdout, settings.maxOutputChars),
    stderr: capped(stderr, settings.maxOutputChars),
    network: sandbox.network,
  };
}

export function formatRun(result: RunResult): string {
  const status = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
  const parts = [status];
  if (result.stdout) parts.push(`stdout:\n${result.stdout}`);
  if (result.stderr) parts.push(`stderr:\n${result.stderr}`);
  return parts.join('\n');
}

let warned = false;

/** The `run_javascript` tool, running in `workspaceDir` with the worker's settings. */
export function createCodeRunnerTool(workspaceDir: string, settings: Partial<CodeRunnerSettings> = {}): DefinedTool {
  const resolved = { ...defaultCodeRunnerSettings, ...settings };
  // The model is told the truth about the network: probed once per process, so this costs one short spawn.
  const network = detectSandbox(resolved).network === 'isolated' ? 'no network, ' : '';
  return defineTool({
    name: 'run_javascript',
    description: `Run a JavaScript (Node.js, CommonJS) program and return its exit code, stdout and stderr. It runs in the workspace folder and may read and write files only there; it has ${network}no environment variables, and a limit of ${resolved.timeoutMs / 1000} s and ${resolved.memoryMb} MB. Print results with console.log.`,
    schema: runJavaScriptSchema,
    sideEffects: 'destructive',
    needsApproval: resolved.needsApproval,
    timeout: `${Math.ceil(resolved.timeoutMs / 1000) + 15}s`,
    // Running a program twice may act twice, and a program past its limit would pass it again.
    retry: { maximumAttempts: 1 },
    run: async ({ code }) => {
      const sandbox = detectSandbox(resolved);
      // Under `required` the run is refused below instead; a warning is for the operator's explicit opt-out.
      if (sandbox.network === 'open' && resolved.networkIsolation !== 'required' && !warned) {
        warned = true;
        log.warn('run_javascript runs with network access', { reason: sandbox.reason });
      }
      let cancel: AbortSignal | undefined;
      try {
        cancel = Context.current().cancellationSignal;
      } catch {
        // Outside an activity there is nothing to cancel.
      }
      return formatRun(await runJavaScript(workspaceDir, resolved, code, cancel));
    },
  });
}
