/**
 * Builds Temporal's own server (`go.temporal.io/server/cmd/server`) and SQL schema tool (`cmd/tools/sql`) at the
 * server version the pinned Temporal CLI embeds, so the production-shaped cluster runs the same server code as the
 * dev server the tests use. Like the CLI build (temporal-cli.ts): `go install` into a temporary folder beside the
 * cache, progress lines while go works, and only a complete folder (both binaries and the PostgreSQL schema files
 * of that version) is renamed into place, so an interrupted build never leaves a half-built cache.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DurableAgentsError } from '../../contracts/errors';
import { temporalCliCacheDir } from '../temporal-cli';

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';

/** The cached build of one server version. */
export interface TemporalServerBinaries {
  version: string;
  /** `temporal-server`: `--root <dir> --config <sub> start --service <name>`. */
  server: string;
  /** `temporal-sql-tool`: creates databases and applies the versioned schema. */
  sqlTool: string;
  /** `schema/postgresql/v12/{temporal,visibility}/versioned` of that server version. */
  postgresSchemaDir: string;
}

/** A failed build; `tail` holds go's last output lines. */
export class TemporalServerInstallError extends DurableAgentsError {
  constructor(
    message: string,
    readonly tail: string[] = [],
  ) {
    super(tail.length ? `${message}\n${tail.join('\n')}` : message);
  }
}

/** The `go.temporal.io/server` version a Temporal CLI binary was built with (`go version -m`). */
export function serverVersionOfCli(cliPath: string): string {
  let out: string;
  try {
    out = execFileSync('go', ['version', '-m', cliPath], { encoding: 'utf8' });
  } catch (err) {
    throw new TemporalServerInstallError(`go version -m ${cliPath} failed: ${(err as Error).message}`);
  }
  const version = /^\s*dep\s+go\.temporal\.io\/server\s+(v\d+\.\d+\.\d+\S*)/m.exec(out)?.[1];
  if (!version) throw new TemporalServerInstallError(`${cliPath} names no ${TEMPORAL_SERVER_MODULE} dependency`);
  return version;
}

/** `<cache>/durable-agents/temporal-server/<version>`, beside the CLI's `temporal-cli/<version>`. */
export function temporalServerCacheDir(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(path.dirname(path.dirname(temporalCliCacheDir(version, env))), 'temporal-server', version);
}

function binariesIn(dir: string, version: string): TemporalServerBinaries {
  return {
    version,
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    postgresSchemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
}

function complete(b: TemporalServerBinaries): boolean {
  return [b.server, b.sqlTool, path.join(b.postgresSchemaDir, 'temporal', 'versioned')].every((f) => fs.existsSync(f));
}

export interface InstallTemporalServerOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  progressIntervalMs?: number;
}

/** The cached server build of `version`, building it first when absent. */
export async function installTemporalServer(
  version: string,
  options: InstallTemporalServerOptions = {},
): Promise<TemporalServerBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const finalDir = temporalServerCacheDir(version, env);
  if (complete(binariesIn(finalDir, version))) return binariesIn(finalDir, version);

  const parent = path.dirname(finalDir);
  fs.mkdirSync(parent, { recursive: true });
  const buildDir = fs.mkdtempSync(path.join(parent, `.build-${process.pid}-`));
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const packages = [
      `${TEMPORAL_SERVER_MODULE}/cmd/server@${version}`,
      `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@${version}`,
    ];
    log(`Building Temporal server ${version} with 'go install ${packages.join(' ')}' into ${finalDir} (minutes)`);
    const bin = path.join(buildDir, 'bin');
    await runGo(
      ['install', '-v', ...packages],
      { ...env, GOBIN: bin },
      controller.signal,
      log,
      options.progressIntervalMs,
    );
    fs.renameSync(path.join(bin, 'server'), path.join(buildDir, 'temporal-server'));
    fs.renameSync(path.join(bin, 'sql'), path.join(buildDir, 'temporal-sql-tool'));
    fs.rmSync(bin, { recursive: true, force: true });
    // The versioned schema files ship in the module source, which go install just put in the module cache.
    const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', env }).trim();
    const schema = path.join(modCache, `${TEMPORAL_SERVER_MODULE}@${version}`, 'schema', 'postgresql', 'v12');
    fs.cpSync(schema, path.join(buildDir, 'schema', 'postgresql', 'v12'), { recursive: true });
    for (const f of walk(path.join(buildDir, 'schema'))) fs.chmodSync(f, fs.statSync(f).isDirectory() ? 0o755 : 0o644);
    fs.rmSync(finalDir, { recursive: true, force: true });
    fs.renameSync(buildDir, finalDir);
    log(`Temporal server ${version} built: ${finalDir}`);
    return binariesIn(finalDir, version);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

/** Runs go in its own process group with a progress line every interval; an abort stops the whole group. */
async function runGo(
  args: string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  log: (line: string) => void,
  progressIntervalMs = 15_000,
): Promise<void> {
  const started = Date.now();
  const child = spawn('go', args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const tail: string[] = [];
  let compiled = 0;
  let last = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 12) tail.shift();
      if (!line.startsWith('go: ')) {
        compiled++;
        last = line;
      }
    }
  });
  const timer = setInterval(() => {
    const s = Math.round((Date.now() - started) / 1000);
    log(
      `  ... go install: ${s}s elapsed, ${compiled ? `${compiled} packages compiled, now ${last}` : 'resolving modules'}`,
    );
  }, progressIntervalMs);
  const stop = (): void => {
    try {
      process.kill(-(child.pid as number), 'SIGINT');
    } catch {
      // Already gone.
    }
  };
  signal.addEventListener('abort', stop);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (signal.aborted)
      throw new TemporalServerInstallError('Temporal server build interrupted; partial output deleted');
    if (code !== 0) throw new TemporalServerInstallError(`'go ${args.join(' ')}' exited with code ${code}`, tail);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TemporalServerInstallError('go is not installed (no go on PATH); install Go from https://go.dev/dl');
    }
    throw err;
  } finally {
    clearInterval(timer);
    signal.removeEventListener('abort', stop);
  }
}
