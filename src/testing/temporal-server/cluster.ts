/**
 * A production-shaped Temporal cluster on PostgreSQL: the schema applied with Temporal's own SQL tool, then
 * frontend, history, matching and worker each started as a process of its own from one config, the `default`
 * namespace created and our search attributes registered. `kill` and `restart` act on one service, so fault
 * tests can take the history service down under load; `stop` ends every process (SIGTERM, then SIGKILL).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { searchAttributeCliSpecs } from '../../contracts/search-attributes';
import {
  postgresTarget,
  renderClusterConfig,
  renderDynamicConfig,
  TEMPORAL_SERVICES,
  type TemporalService,
} from './config';
import type { TemporalServerBinaries } from './install';

const execFileAsync = promisify(execFile);

export interface TemporalClusterOptions {
  binaries: TemporalServerBinaries;
  /** `postgres://user[:password]@host:port/any`: the server creates `temporal` and `temporal_visibility` there. */
  postgresUrl: string;
  /** Fixed when the schema is created; at least 4 (default 4). */
  historyShards?: number;
  /** Frontend gRPC port (default: a free one). */
  frontendPort?: number;
  namespace?: string;
  log?: (line: string) => void;
}

export interface TemporalCluster {
  /** The frontend, `127.0.0.1:<port>`. */
  address: string;
  namespace: string;
  historyShards: number;
  /** The process id of each running service. */
  pids(): Partial<Record<TemporalService, number>>;
  /** Sends `signal` (SIGKILL by default) to one service and waits until it has exited. */
  kill(service: TemporalService, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service again (same config, same ports). */
  start(service: TemporalService): Promise<void>;
  /** Stops every service: SIGTERM, SIGKILL after 15 s. */
  stop(): Promise<void>;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/**
 * A free port below 32768: the server stores membership ports in a PostgreSQL smallint, so the kernel's
 * ephemeral ports (32768 and up) would fail its membership heartbeat. Random in 20000-32767, checked by binding.
 */
async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    if (!taken.has(port) && (await canBind(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port below 32768 on 127.0.0.1');
}

/** Creates both databases and applies every versioned schema step, as Temporal's own setup images do. */
export async function setupPostgresSchema(binaries: TemporalServerBinaries, postgresUrl: string): Promise<void> {
  const pg = postgresTarget(postgresUrl);
  for (const [database, dir] of [
    [pg.database, 'temporal'],
    [`${pg.database}_visibility`, 'visibility'],
  ] as const) {
    const common = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--db', database];
    if (pg.password) common.push('--pw', pg.password);
    const tool = async (...args: string[]): Promise<void> => {
      try {
        await execFileAsync(binaries.sqlTool, [...common, ...args], { encoding: 'utf8' });
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`temporal-sql-tool ${args[0]} (${database}) failed: ${e.stderr || e.message}`);
      }
    };
    await tool('create-database');
    await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-d', path.join(binaries.postgresSchemaDir, dir, 'versioned'));
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Sets up the schema, starts the four services, creates the namespace and registers our search attributes. */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const log = options.log ?? (() => undefined);
  const historyShards = options.historyShards ?? 4;
  if (!Number.isInteger(historyShards) || historyShards < 4) throw new Error('historyShards must be an integer >= 4');
  const namespace = options.namespace ?? 'default';
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'da-temporal-'));
  fs.mkdirSync(path.join(root, 'config'));
  const ports = Object.fromEntries(
    await Promise.all(
      TEMPORAL_SERVICES.map(async (s) => [
        s,
        {
          grpc: s === 'frontend' && options.frontendPort ? options.frontendPort : await freePort(),
          membership: await freePort(),
        },
      ]),
    ),
  ) as Record<TemporalService, { grpc: number; membership: number }>;
  const dynamicConfigPath = path.join(root, 'config', 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicConfigPath, renderDynamicConfig());
  // `--env development` reads config/development.yaml under --root.
  fs.writeFileSync(
    path.join(root, 'config', 'development.yaml'),
    renderClusterConfig({ postgres: postgresTarget(options.postgresUrl), historyShards, ports, dynamicConfigPath }),
  );

  log(`setting up the Temporal schema on ${postgresTarget(options.postgresUrl).host}`);
  await setupPostgresSchema(options.binaries, options.postgresUrl);

  const children = new Map<TemporalService, { child: ChildProcess; exited: Promise<void> }>();
  const start = async (service: TemporalService): Promise<void> => {
    if (children.has(service)) throw new Error(`${service} is running`);
    const out = fs.openSync(path.join(root, `${service}.log`), 'a');
    const child = spawn(
      options.binaries.server,
      ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start', '--service', service],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    children.set(service, { child, exited });
    void exited.then(() => {
      if (children.get(service)?.child === child) children.delete(service);
    });
    log(`started ${service} (pid ${child.pid}), log ${path.join(root, `${service}.log`)}`);
  };
  const kill = async (service: TemporalService, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const entry = children.get(service);
    if (!entry) return;
    entry.child.kill(signal);
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), 15_000);
    await entry.exited;
    clearTimeout(timer);
    children.delete(service);
  };
  const stop = async (): Promise<void> => {
    await Promise.all([...children.keys()].map((s) => kill(s, 'SIGTERM')));
    fs.rmSync(root, { recursive: true, force: true });
  };

  try {
    // The first service to start writes the cluster's metadata; services started together race on that row
    // and the losers exit. So the frontend starts alone, and the others once it answers.
    await start('frontend');
    const address = `127.0.0.1:${ports.frontend.grpc}`;
    const connection = await (async () => {
      let conn: Connection | undefined;
      await waitFor(
        'the frontend to answer',
        async () => {
          conn = await Connection.connect({ address, connectTimeout: 2_000 });
          return true;
        },
        90_000,
      );
      return conn as Connection;
    })();
    for (const service of TEMPORAL_SERVICES.filter((s) => s !== 'frontend')) await start(service);
    try {
      await registerNamespace(connection, namespace);
      await registerSearchAttributes(connection, namespace);
    } finally {
      await connection.close();
    }
    return {
      address,
      namespace,
      historyShards,
      pids: () => Object.fromEntries([...children].map(([s, e]) => [s, e.child.pid])),
      kill,
      start,
      stop,
    };
  } catch (err) {
    const logs = TEMPORAL_SERVICES.map((s) => {
      const file = path.join(root, `${s}.log`);
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      return `--- ${s}:\n${text.split('\n').slice(-8).join('\n')}`;
    }).join('\n');
    await stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}

async function registerNamespace(connection: Connection, namespace: string): Promise<void> {
  // The history and matching services join the ring a few seconds after the frontend listens.
  await waitFor(
    `namespace ${namespace} to be registered`,
    async () => {
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs('1 day'),
        });
      } catch (err) {
        if (!/already exists|already registered/i.test((err as Error).message)) throw err;
      }
      return true;
    },
    90_000,
  );
  // The frontend's namespace cache refreshes on its own schedule: wait until calls on the namespace pass.
  await waitFor(
    `namespace ${namespace} to be usable`,
    async () => {
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
      return true;
    },
    60_000,
  );
}

const indexedType: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Double: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Bool: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const wanted = Object.fromEntries(
    searchAttributeCliSpecs.map((spec) => {
      const [name, type] = spec.split('=') as [string, string];
      const t = indexedType[type];
      if (t === undefined) throw new Error(`search attribute ${spec}: unknown type`);
      return [name, t];
    }),
  );
  await waitFor(
    'our search attributes to be registered',
    async () => {
      const existing = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = Object.fromEntries(
        Object.entries(wanted).filter(([name]) => !(name in (existing.customAttributes ?? {}))),
      );
      if (Object.keys(missing).length === 0) return true;
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
      return false;
    },
    60_000,
  );
}
