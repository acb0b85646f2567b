/**
 * Finds the Temporal CLI that runs the dev server, building the pinned version with `go install` when no binary is at
 * hand. Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the per-version cache outside the repo, `go install` into that
 * cache (then a newer tag built from src/testing/temporal-cli-module), and last the Temporal SDK's own download.
 *
 * A build never leaves a half-written binary where the resolver looks: go writes into a fresh temp directory next to
 * the cache, and only a finished binary is renamed into place (rename is atomic on one file system).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DurableAgentsError, UserError } from '../contracts/errors';

/** The CLI tag we build and test against. v1.5.1 is the newest tag whose go.mod has no replace directive. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

/**
 * Newer tags tried, in order, when `go install` of the pinned version fails. From v1.6.0 on, the CLI's go.mod carries
 * `replace github.com/temporalio/cli/cliext => ./cliext`, which `go install pkg@version` rejects, and its entry point
 * moved to `internal/temporalcli`. So these are built from our own module (src/testing/temporal-cli-module): its path
 * sits under github.com/temporalio/cli/ so Go lets it import that internal package, and it repeats the tag's
 * replace directive, with cliext's source fetched from the module proxy at the tag's commit.
 */
export const TEMPORAL_CLI_FALLBACK_TAGS: readonly string[] = ['v1.9.1'];

/** Our fallback Go module; its go.mod pins the first fallback tag and is re-pinned per tag at build time. */
export const TEMPORAL_CLI_FALLBACK_MODULE_DIR = path.resolve(__dirname, 'temporal-cli-module');
/** That module's path (see its go.mod for why it lives under github.com/temporalio/cli/). */
const FALLBACK_MODULE_PATH = 'github.com/temporalio/cli/durableagentsbuild';

export type TemporalCliSource = 'env' | 'path' | 'cache' | 'go-install' | 'sdk-download';

export interface ResolvedTemporalCli {
  /** Absolute path of the binary; empty for 'sdk-download', where TestWorkflowEnvironment fetches its own. */
  path: string;
  source: TemporalCliSource;
}

export interface ResolveTemporalCliOptions {
  /** Progress and decisions, one line each. Defaults to stderr. */
  log?: (line: string) => void;
  /** Build with go (and fall back to the SDK's download) when no binary is found. Off by default. */
  allowInstall?: boolean;
  /** Environment to read (TEMPORAL_CLI_PATH, PATH, cache dirs) and to run go with; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Cancels a build; the partial output is deleted, as on Ctrl-C. */
  signal?: AbortSignal;
  /** How often a running build reports progress. */
  progressIntervalMs?: number;
}

/** `go` failed to build the CLI; `outputTail` holds go's last lines. */
export class TemporalCliInstallError extends DurableAgentsError {
  constructor(
    message: string,
    readonly outputTail: string[] = [],
  ) {
    super(message);
  }
}

/** A build stopped by Ctrl-C, SIGTERM or an abort signal; nothing was left in the cache. */
export class TemporalCliInstallInterrupted extends DurableAgentsError {
  constructor(readonly signal?: NodeJS.Signals) {
    super(`Temporal CLI build interrupted${signal ? ` by ${signal}` : ''}; partial output deleted`);
  }
}

const exeName = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
const defaultLog = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Folder holding the cached build of one CLI version:
 * `${TEMPORAL_CLI_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}}/durable-agents/temporal-cli/<version>`.
 */
export function temporalCliCacheDir(
  version: string = TEMPORAL_CLI_VERSION,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const base = env.TEMPORAL_CLI_CACHE_DIR || env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(path.resolve(base), 'durable-agents', 'temporal-cli', version);
}

/** Path of the cached binary of one CLI version (present or not). */
export function temporalCliCachePath(
  version: string = TEMPORAL_CLI_VERSION,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return path.join(temporalCliCacheDir(version, env), exeName);
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(env: NodeJS.ProcessEnv): string | undefined {
  const names = process.platform === 'win32' ? ['temporal.exe', 'temporal.cmd', 'temporal'] : ['temporal'];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.resolve(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Resolves the Temporal CLI in the documented order; see the module comment. */
export async function resolveTemporalCli(options: ResolveTemporalCliOptions = {}): Promise<ResolvedTemporalCli> {
  const env = options.env ?? process.env;
  const log = options.log ?? defaultLog;

  const fromEnv = env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    const file = path.resolve(fromEnv);
    if (!fs.existsSync(file)) throw new UserError(`TEMPORAL_CLI_PATH=${fromEnv} does not exist; fix or unset it`);
    if (!isExecutableFile(file)) {
      throw new UserError(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file; chmod +x it, or fix or unset it`);
    }
    return { path: file, source: 'env' };
  }

  const onPath = findOnPath(env);
  if (onPath) return { path: onPath, source: 'path' };

  for (const version of [TEMPORAL_CLI_VERSION, ...TEMPORAL_CLI_FALLBACK_TAGS]) {
    const cached = temporalCliCachePath(version, env);
    if (isExecutableFile(cached)) return { path: cached, source: 'cache' };
  }

  const cachePath = temporalCliCachePath(TEMPORAL_CLI_VERSION, env);
  if (!options.allowInstall) {
    throw new UserError(
      `No Temporal CLI found: TEMPORAL_CLI_PATH is unset, there is no 'temporal' on PATH and no build at ${cachePath}. ` +
        `Run 'npx tsx scripts/install-temporal-cli.ts' to build it (needs Go), or install it from https://docs.temporal.io/cli`,
    );
  }

  const failures: string[] = [];
  try {
    return { path: await installTemporalCli({ ...options, env, log }), source: 'go-install' };
  } catch (err) {
    if (err instanceof TemporalCliInstallInterrupted) throw err;
    failures.push(describeFailure(err));
    log(`go install of ${TEMPORAL_CLI_PACKAGE}@${TEMPORAL_CLI_VERSION} failed: ${describeFailure(err)}`);
    if (isGoMissing(err)) return sdkDownload(log, failures);
  }
  for (const tag of TEMPORAL_CLI_FALLBACK_TAGS) {
    try {
      return { path: await buildFallbackTag(tag, { ...options, env, log }), source: 'go-install' };
    } catch (err) {
      if (err instanceof TemporalCliInstallInterrupted) throw err;
      failures.push(describeFailure(err));
      log(`Building Temporal CLI ${tag} from ${TEMPORAL_CLI_FALLBACK_MODULE_DIR} failed: ${describeFailure(err)}`);
    }
  }
  return sdkDownload(log, failures);
}

function sdkDownload(log: (line: string) => void, failures: string[]): ResolvedTemporalCli {
  log(
    `No Temporal CLI could be built here (${failures.length} attempt(s) failed, see above). Falling back to the ` +
      `Temporal SDK's own download of the CLI, which needs internet access.`,
  );
  return { path: '', source: 'sdk-download' };
}

function describeFailure(err: unknown): string {
  if (err instanceof TemporalCliInstallError && err.outputTail.length > 0) {
    return `${err.message}\n  go's last lines:\n${err.outputTail.map((l) => `    ${l}`).join('\n')}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function isGoMissing(err: unknown): boolean {
  return err instanceof TemporalCliInstallError && err.message.startsWith('go is not installed');
}

/**
 * Builds the pinned CLI with `go install` into its cache path and returns that path. Throws
 * TemporalCliInstallError with go's last lines on failure, TemporalCliInstallInterrupted on Ctrl-C or abort.
 */
export async function installTemporalCli(options: ResolveTemporalCliOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? defaultLog;
  const target = `${TEMPORAL_CLI_PACKAGE}@${TEMPORAL_CLI_VERSION}`;
  log(
    `Building the Temporal CLI with 'go install ${target}' into ${temporalCliCacheDir(TEMPORAL_CLI_VERSION, env)}. ` +
      `The first build takes several minutes (it downloads the server's modules and compiles them); later runs reuse it.`,
  );
  return buildIntoCache(TEMPORAL_CLI_VERSION, options, async (buildDir, run) => {
    await run(['install', '-v', target], { cwd: buildDir, extraEnv: { GOBIN: buildDir }, label: target });
  });
}

/** Builds a newer CLI tag from src/testing/temporal-cli-module (see TEMPORAL_CLI_FALLBACK_TAGS) into its cache path. */
export async function buildFallbackTag(tag: string, options: ResolveTemporalCliOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? defaultLog;
  log(
    `Trying Temporal CLI ${tag} instead, built from ${TEMPORAL_CLI_FALLBACK_MODULE_DIR} into ` +
      `${temporalCliCacheDir(tag, env)}. This also takes several minutes the first time.`,
  );
  return buildIntoCache(tag, options, async (buildDir, run) => {
    const moduleDir = path.join(buildDir, 'module');
    fs.mkdirSync(moduleDir);
    for (const file of ['go.mod', 'main.go']) {
      fs.copyFileSync(path.join(TEMPORAL_CLI_FALLBACK_MODULE_DIR, file), path.join(moduleDir, file));
    }
    const cli = `github.com/temporalio/cli@${tag}`;
    await run(['mod', 'edit', `-require=${cli}`], { cwd: moduleDir, label: 'go mod edit' });
    // The tag's go.mod replaces cliext with its ./cliext folder, which is a separate module and so is not in the tag's
    // module zip. Fetch cliext at the tag's commit (the proxy reports it in the version's Origin) into ./cliext.
    const info = JSON.parse((await run(['mod', 'download', '-json', cli], { cwd: moduleDir, label: cli })).stdout) as {
      Info?: string;
    };
    const origin = info.Info ? (JSON.parse(fs.readFileSync(info.Info, 'utf8')) as { Origin?: { Hash?: string } }) : {};
    const commit = origin.Origin?.Hash;
    if (!commit) {
      throw new TemporalCliInstallError(
        `the module proxy did not report the commit of ${cli}, so cliext cannot be fetched at that commit ` +
          `(use GOPROXY=https://proxy.golang.org,direct)`,
      );
    }
    const cliext = JSON.parse(
      (
        await run(['mod', 'download', '-json', `github.com/temporalio/cli/cliext@${commit}`], {
          cwd: moduleDir,
          label: 'cliext',
        })
      ).stdout,
    ) as { Dir?: string };
    if (!cliext.Dir) throw new TemporalCliInstallError(`go mod download did not return a folder for cliext@${commit}`);
    copyTree(cliext.Dir, path.join(moduleDir, 'cliext'));
    await run(['mod', 'tidy'], { cwd: moduleDir, label: `${cli} (go mod tidy)` });
    await run(['build', '-v', '-trimpath', '-o', path.join(buildDir, exeName), '.'], { cwd: moduleDir, label: cli });
  });
}

/** Copies a module-cache folder (read-only files in read-only folders) into writable folders we can delete. */
function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) copyTree(source, path.join(to, entry.name));
    else if (entry.isFile()) fs.copyFileSync(source, path.join(to, entry.name));
  }
}

type GoRunner = (
  args: string[],
  opts: { cwd: string; label: string; extraEnv?: Record<string, string> },
) => Promise<{ stdout: string }>;

/**
 * Runs `build` in a fresh temp folder inside the cache's parent (same file system as the cache), expects it to leave
 * the binary at `<tempdir>/temporal`, and renames that into the version's cache path. The temp folder is removed on
 * success, failure and interruption alike.
 */
async function buildIntoCache(
  version: string,
  options: ResolveTemporalCliOptions,
  build: (buildDir: string, run: GoRunner) => Promise<void>,
): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? defaultLog;
  const finalPath = temporalCliCachePath(version, env);
  const parent = path.dirname(path.dirname(finalPath));
  fs.mkdirSync(parent, { recursive: true });
  removeAbandonedBuildDirs(parent);
  const buildDir = fs.mkdtempSync(path.join(parent, `.build-${process.pid}-`));

  // One controller for Ctrl-C, SIGTERM and the caller's signal, so every go step of this build stops the same way.
  const controller = new AbortController();
  let caughtSignal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    caughtSignal = sig;
    log(`Received ${sig}: stopping the Temporal CLI build and deleting its partial output...`);
    controller.abort();
  };
  const onCallerAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onCallerAbort);
  if (options.signal?.aborted) controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const run: GoRunner = (args, runOpts) =>
    runGo(args, {
      ...runOpts,
      env: { ...env, ...runOpts.extraEnv },
      signal: controller.signal,
      log,
      progressIntervalMs: options.progressIntervalMs ?? 15_000,
    });

  let interrupted = false;
  try {
    await build(buildDir, run);
    const built = path.join(buildDir, exeName);
    if (!isExecutableFile(built))
      throw new TemporalCliInstallError(`go reported success but left no binary at ${built}`);
    fs.mkdirSync(path.dirname(finalPath), { recursive: true });
    fs.renameSync(built, finalPath);
    log(`Temporal CLI ${version} built: ${finalPath}`);
    return finalPath;
  } catch (err) {
    interrupted = controller.signal.aborted;
    throw interrupted ? new TemporalCliInstallInterrupted(caughtSignal) : err;
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onCallerAbort);
    // Our listener swallowed the signal. Once the partial build is gone, let it take its usual course (exit with
    // 128+n) unless someone else in this process handles it.
    if (interrupted && caughtSignal && process.listenerCount(caughtSignal) === 0)
      process.kill(process.pid, caughtSignal);
  }
}

/** Removes temp build folders left by a process that died mid-build (SIGKILL, power loss). */
function removeAbandonedBuildDirs(parent: string): void {
  for (const name of fs.readdirSync(parent)) {
    const pid = /^\.build-(\d+)-/.exec(name)?.[1];
    if (!pid || isAlive(Number(pid))) continue;
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What go is doing, inferred from its output: `go: downloading mod vX` lines while fetching modules, then with `-v`
 * one import path per package as it is compiled; the main package comes last, before the link.
 */
class GoProgress {
  downloads = 0;
  packages = 0;
  lastDownload = '';
  lastPackage = '';
  readonly tail: string[] = [];

  constructor(private readonly mainPackages: string[]) {}

  add(line: string): void {
    if (!line.trim()) return;
    this.tail.push(line);
    if (this.tail.length > 25) this.tail.shift();
    const download = /^go: downloading (.+)$/.exec(line);
    if (download) {
      this.downloads++;
      this.lastDownload = download[1] ?? '';
    } else if (/^[\w.~-]+(\/[\w.~+-]+)*$/.test(line)) {
      this.packages++;
      this.lastPackage = line;
    }
  }

  describe(): string {
    if (this.mainPackages.includes(this.lastPackage)) {
      return `linking the temporal binary (${this.packages} packages compiled)`;
    }
    if (this.packages > 0) return `compiling: ${this.packages} packages so far, now ${this.lastPackage}`;
    if (this.downloads > 0) return `downloading modules: ${this.downloads} so far, latest ${this.lastDownload}`;
    return 'checking modules and the build cache (go is quiet while it links cached packages)';
  }
}

const formatElapsed = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

async function runGo(
  args: string[],
  opts: {
    cwd: string;
    label: string;
    env: NodeJS.ProcessEnv;
    signal: AbortSignal;
    log: (line: string) => void;
    progressIntervalMs: number;
  },
): Promise<{ stdout: string }> {
  if (opts.signal.aborted) throw new TemporalCliInstallInterrupted();
  const started = Date.now();
  const progress = new GoProgress([TEMPORAL_CLI_PACKAGE, FALLBACK_MODULE_PATH]);
  // Its own process group, so an interrupt reaches go and the compilers and linker it runs.
  const child = spawn('go', args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let pending = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    lines.forEach((l) => progress.add(l));
  });

  const timer = setInterval(() => {
    opts.log(`  ... ${opts.label}: ${formatElapsed(Date.now() - started)} elapsed, ${progress.describe()}`);
  }, opts.progressIntervalMs);
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    signalTree(child.pid, 'SIGINT');
    // go cleans up its work folder on SIGINT; a wedged child gets SIGKILL.
    killTimer = setTimeout(() => signalTree(child.pid, 'SIGKILL'), 5_000);
  };
  opts.signal.addEventListener('abort', stop);

  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
    if (pending) progress.add(pending);
    if (opts.signal.aborted) throw new TemporalCliInstallInterrupted();
    if (code !== 0) {
      throw new TemporalCliInstallError(
        `'go ${args.join(' ')}' exited with code ${code} after ${formatElapsed(Date.now() - started)}`,
        progress.tail.slice(-12),
      );
    }
    return { stdout };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TemporalCliInstallError(
        `go is not installed (no 'go' on PATH). Install Go from https://go.dev/dl, or set TEMPORAL_CLI_PATH to a ` +
          `temporal binary (https://docs.temporal.io/cli)`,
      );
    }
    throw err;
  } finally {
    clearInterval(timer);
    clearTimeout(killTimer);
    opts.signal.removeEventListener('abort', stop);
  }
}

function signalTree(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, sig);
  } catch {
    // Already gone: nothing left to stop.
  }
}
