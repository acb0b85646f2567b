/**
 * Runs the Temporal CLI's dev server (`temporal server start-dev`) for `npm run server`, the demo and tests: the real
 * server with SQLite persistence, the Web UI and our search attributes, or reuses one already listening.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { DurableAgentsError, UserError } from '../src/contracts/errors';
import { agentSearchAttributeKeys, searchAttributeCliSpecs } from '../src/contracts/search-attributes';

export interface DevServerOptions {
  /** The `temporal` binary. Empty (resolveTemporalCli's 'sdk-download') lets the Temporal SDK download one. */
  cliPath: string;
  /** Address the frontend and UI bind to. */
  ip?: string;
  /** Frontend gRPC port; 0 picks a free one. */
  port?: number;
  /** Web UI port; defaults to port + 1000, 0 picks a free one. */
  uiPort?: number;
  /** SQLite file, so runs survive a restart; its folder is created. Omitted: in memory, gone when the server stops. */
  dbFile?: string;
  namespace?: string;
  headless?: boolean;
  /** The server's own log level; `warn` is the CLI's default for start-dev. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  startTimeoutMs?: number;
  /** Our progress lines. */
  log?: (line: string) => void;
  /** The server's stdout and stderr, line by line, until stop() is called. */
  onServerOutput?: (line: string) => void;
}

export interface DevServerHandle {
  /** host:port of the frontend. */
  address: string;
  /** Web UI link; empty when headless. */
  uiUrl: string;
  namespace: string;
  /** True when ensureDevServer found a server already running; stop() then leaves it alone. */
  reused: boolean;
  /** Settles when a server we started exits, expectedly or not; never for a reused one. */
  exited: Promise<DevServerExit>;
  stop(): Promise<void>;
}

export interface DevServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** The dev server exited or never answered; the message carries its last output lines. */
export class DevServerError extends DurableAgentsError {}

const DEFAULTS = {
  ip: '127.0.0.1',
  port: 7233,
  namespace: 'default',
  logLevel: 'warn',
  startTimeoutMs: 60_000,
} as const;
const OUTPUT_LINES_KEPT = 30;

/** Where `npm run server`, `npm run dev` and the demo run their own dev server. */
export interface LocalDevServerSettings {
  port: number;
  uiPort: number;
  dbFile: string;
}

function portFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`${name}=${raw} is not a port number (1-65535)`);
  }
  return port;
}

/**
 * TEMPORAL_PORT (default 7233), TEMPORAL_UI_PORT (default TEMPORAL_PORT + 1000, as the Temporal CLI does) and
 * TEMPORAL_DB_FILE (default .temporal/dev.sqlite in the repository). Read here, beside the scripts that use them,
 * because only these scripts start a server; the worker and agentctl connect to one (TEMPORAL_ADDRESS).
 */
export function localDevServerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalDevServerSettings {
  const port = portFrom(env, 'TEMPORAL_PORT') ?? DEFAULTS.port;
  const uiPort = portFrom(env, 'TEMPORAL_UI_PORT') ?? port + 1000;
  if (uiPort > 65535) throw new UserError(`TEMPORAL_PORT=${port} leaves no default Web UI port; set TEMPORAL_UI_PORT`);
  if (uiPort === port) throw new UserError(`TEMPORAL_UI_PORT and TEMPORAL_PORT are both ${port}; give them two ports`);
  const dbFile = path.resolve(env.TEMPORAL_DB_FILE?.trim() || path.join(__dirname, '..', '.temporal', 'dev.sqlite'));
  return { port, uiPort, dbFile };
}

/** The exact `temporal` arguments startDevServer uses, with every search attribute of searchAttributeCliSpecs. */
export function devServerArgs(opts: {
  ip: string;
  port: number;
  uiPort: number;
  dbFile?: string;
  namespace: string;
  headless?: boolean;
  logLevel: string;
}): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    opts.ip,
    '--port',
    String(opts.port),
    ...(opts.headless ? ['--headless'] : ['--ui-port', String(opts.uiPort)]),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    '--namespace',
    opts.namespace,
    ...searchAttributeCliSpecs.flatMap((spec) => ['--search-attribute', spec]),
    '--log-level',
    opts.logLevel,
  ];
}

/** A port the OS reports free right now (bind port 0, read it, release it). */
export async function findFreePort(host: string = DEFAULTS.ip): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) throw new UserError(`'${address}' is not a host:port address`);
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port };
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * True when the peer completes an HTTP/2 handshake (sends its SETTINGS). Checked before opening a gRPC channel because
 * a channel stuck connecting to a silent listener keeps its socket, and this process, alive after close().
 */
function speaksHttp2(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    session.once('remoteSettings', () => done(true));
    session.once('error', () => done(false));
  });
}

/**
 * True when a Temporal frontend answers at `address` and the namespace exists. A port held by anything else, or a
 * server still starting, gives false.
 */
export async function isServerUp(
  address: string,
  options: { namespace?: string; timeoutMs?: number } = {},
): Promise<boolean> {
  const { host, port } = splitAddress(address);
  const timeoutMs = options.timeoutMs ?? 2_000;
  if (!(await speaksHttp2(host, port, timeoutMs))) return false;
  // Lazy, so the channel can be closed even when connecting fails (a failed connect() would leak its socket).
  const connection = Connection.lazy({ address, connectTimeout: timeoutMs });
  try {
    await connection.ensureConnected();
    // ensureConnected tolerates servers without GetSystemInfo; DescribeNamespace is what proves Temporal.
    await connection.withDeadline(Date.now() + timeoutMs, () =>
      connection.workflowService.describeNamespace({ namespace: options.namespace ?? DEFAULTS.namespace }),
    );
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** How many times a start that lost a port race is tried in all. */
const PORT_RACE_ATTEMPTS = 3;

/**
 * Starts `temporal server start-dev` and resolves once its frontend serves the namespace. The CLI picks some ports
 * of its own (its HTTP API's, for one) as it starts, and another process may take one first: a start that fails
 * with "address already in use" is tried again (with fresh ports where they were asked for as 0).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(options);
    } catch (err) {
      const lostRace = err instanceof DevServerError && /address already in use/.test(err.message);
      if (!lostRace || attempt >= PORT_RACE_ATTEMPTS) throw err;
      (options.log ?? (() => undefined))(`A port was taken while the dev server started; trying again (${attempt}).`);
    }
  }
}

async function startDevServerOnce(options: DevServerOptions): Promise<DevServerHandle> {
  const log = options.log ?? (() => undefined);
  const ip = options.ip ?? DEFAULTS.ip;
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const port = options.port === 0 ? await findFreePort(ip) : (options.port ?? DEFAULTS.port);
  const uiPort = options.uiPort === 0 ? await findFreePort(ip) : (options.uiPort ?? port + 1000);
  const address = `${ip}:${port}`;
  const uiUrl = options.headless ? '' : `http://${ip === '127.0.0.1' || ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}`;
  const dbFile = options.dbFile ? path.resolve(options.dbFile) : undefined;
  if (dbFile) fs.mkdirSync(path.dirname(dbFile), { recursive: true });

  const ports: Array<{ what: string; p: number }> = [{ what: 'frontend', p: port }];
  if (!options.headless) ports.push({ what: 'Web UI', p: uiPort });
  for (const { what, p } of ports) {
    if (await canConnect(ip, p, 1_000)) {
      throw new UserError(
        `Port ${p} on ${ip} (${what}) is already in use. Stop what listens there, or choose other ports ` +
          `(TEMPORAL_PORT / TEMPORAL_UI_PORT for npm run server).`,
      );
    }
  }

  if (!options.cliPath) return startSdkDevServer({ ...options, ip, port, uiPort, namespace, dbFile, address, uiUrl });

  const args = devServerArgs({
    ...options,
    ip,
    port,
    uiPort,
    dbFile,
    namespace,
    logLevel: options.logLevel ?? DEFAULTS.logLevel,
  });
  log(`Starting: ${options.cliPath} ${args.join(' ')}`);
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let stopping = false;
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (output.length > OUTPUT_LINES_KEPT) output.shift();
        if (!stopping) options.onServerOutput?.(line);
      }
    });
  }
  const exited = new Promise<DevServerExit>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // If this process exits without calling stop() (a crashed test), don't leave the server running.
  const stopOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', stopOnExit);

  const lastOutput = (): string =>
    output.filter((l) => l.trim()).length > 0
      ? `\nLast server output:\n${output.filter((l) => l.trim()).join('\n')}`
      : '';

  let stopPromise: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopPromise ??= (async () => {
      stopping = true;
      process.off('exit', stopOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGTERM lets the server close SQLite cleanly; a server that hangs on shutdown gets SIGKILL.
      child.kill('SIGTERM');
      const giveUp = new AbortController();
      const timeout = sleep(15_000, 'timeout' as const, { signal: giveUp.signal }).catch(() => 'exited' as const);
      const outcome = await Promise.race([exited, timeout]);
      giveUp.abort();
      if (outcome === 'timeout') {
        log('Temporal dev server did not stop within 15 s; killing it');
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopPromise;
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULTS.startTimeoutMs);
  let exit: DevServerExit | undefined;
  void exited.then((e) => (exit = e));
  for (;;) {
    if (exit) {
      process.off('exit', stopOnExit);
      const how = exit.error
        ? `could not be started (${exit.error.message})`
        : `exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`;
      throw new DevServerError(
        `Temporal dev server (${options.cliPath}) ${how} before serving ${address}.${lastOutput()}`,
      );
    }
    if (await isServerUp(address, { namespace, timeoutMs: 1_000 })) break;
    if (Date.now() > deadline) {
      await stop();
      throw new DevServerError(
        `Temporal dev server did not serve namespace '${namespace}' at ${address} within ` +
          `${Math.round((options.startTimeoutMs ?? DEFAULTS.startTimeoutMs) / 1000)} s; stopped it.${lastOutput()}`,
      );
    }
    await sleep(200);
  }

  await ensureSearchAttributes(address, namespace, log);
  log(
    `Temporal dev server ready at ${address}${uiUrl ? `, Web UI ${uiUrl}` : ''}${dbFile ? `, data in ${dbFile}` : ''}`,
  );
  return { address, uiUrl, namespace, reused: false, exited, stop };
}

/** The 'sdk-download' path: TestWorkflowEnvironment downloads the CLI and runs the same dev server. */
async function startSdkDevServer(
  o: DevServerOptions & { ip: string; port: number; uiPort: number; namespace: string; address: string; uiUrl: string },
): Promise<DevServerHandle> {
  o.log?.('No Temporal CLI binary given: letting the Temporal SDK download one and start the dev server');
  // Imported here so the usual path never loads the SDK's native bridge.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: o.ip,
      port: o.port,
      ...(o.headless ? { ui: false } : { ui: true, uiPort: o.uiPort }),
      ...(o.dbFile ? { dbFilename: o.dbFile } : {}),
      namespace: o.namespace,
      searchAttributes: agentSearchAttributeKeys,
      extraArgs: ['--log-level', o.logLevel ?? DEFAULTS.logLevel],
    },
  });
  await ensureSearchAttributes(o.address, o.namespace, o.log ?? (() => undefined));
  let stopPromise: Promise<void> | undefined;
  let markExited: (exit: DevServerExit) => void = () => undefined;
  const exited = new Promise<DevServerExit>((resolve) => (markExited = resolve));
  const stop = (): Promise<void> => {
    stopPromise ??= env.teardown().then(() => markExited({ code: 0, signal: null }));
    return stopPromise;
  };
  return { address: o.address, uiUrl: o.uiUrl, namespace: o.namespace, reused: false, exited, stop };
}

/**
 * Returns the dev server at ip:port: the one already running there (its stop() is then a no-op), or a new one.
 * Either way the search attributes of searchAttributeCliSpecs are registered.
 */
export async function ensureDevServer(options: DevServerOptions): Promise<DevServerHandle> {
  const ip = options.ip ?? DEFAULTS.ip;
  const port = options.port ?? DEFAULTS.port;
  const namespace = options.namespace ?? DEFAULTS.namespace;
  const address = `${ip}:${port}`;
  if (port !== 0 && (await isServerUp(address, { namespace }))) {
    const log = options.log ?? (() => undefined);
    log(`Reusing the Temporal server already running at ${address}`);
    await ensureSearchAttributes(address, namespace, log);
    const uiPort = options.uiPort ?? port + 1000;
    const uiUrl = options.headless ? '' : `http://${ip === '127.0.0.1' ? 'localhost' : ip}:${uiPort}`;
    return {
      address,
      uiUrl,
      namespace,
      reused: true,
      exited: new Promise(() => undefined),
      stop: async () => undefined,
    };
  }
  return startDevServer(options);
}

/**
 * Adds any search attribute of searchAttributeCliSpecs the namespace lacks. start-dev registers them only when it
 * creates the namespace, so a SQLite file from an older version of this list, or a reused server, may miss some.
 */
async function ensureSearchAttributes(address: string, namespace: string, log: (line: string) => void): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing: Record<string, number> = {};
    for (const spec of searchAttributeCliSpecs) {
      const [name = '', cliType = ''] = spec.split('=');
      const type = encodeSearchAttributeIndexedValueType(
        cliType.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() as 'KEYWORD',
      );
      if (type === undefined) throw new DevServerError(`Unknown search attribute type in '${spec}'`);
      const existing = customAttributes?.[name];
      if (existing === undefined) missing[name] = type;
      else if (existing !== type) {
        log(`Warning: search attribute ${name} exists in namespace '${namespace}' with another type than ${cliType}`);
      }
    }
    if (Object.keys(missing).length === 0) return;
    log(`Registering search attributes ${Object.keys(missing).join(', ')} in namespace '${namespace}'`);
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } finally {
    await connection.close();
  }
}
