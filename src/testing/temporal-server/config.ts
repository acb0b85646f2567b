/**
 * The server's YAML configuration for a production-shaped cluster on PostgreSQL: the postgres12 SQL plugin for
 * both the default and the visibility store, a history shard count fixed at creation (it can never change
 * later), and one RPC and one membership port per service, all on 127.0.0.1, so each service can run as a
 * process of its own. Shaped after the server's config/development-postgres12.yaml.
 */
import { stringify } from 'yaml';

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Main store database; visibility uses `<database>_visibility`. */
  database: string;
}

export interface ClusterConfigOptions {
  postgres: PostgresTarget;
  historyShards: number;
  /** gRPC and membership ports of each service; the frontend's gRPC port is the cluster's address. */
  ports: Record<TemporalService, { grpc: number; membership: number }>;
  /** Dynamic config file the services poll. */
  dynamicConfigPath: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Parses `postgres://user[:password]@host[:port]/database` into the tool's and the config's fields. */
export function postgresTarget(url: string, database = 'temporal'): PostgresTarget {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`not a postgres:// URL: ${u.protocol}`);
  }
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database,
  };
}

function datastore(pg: PostgresTarget, database: string, maxConns: number): Record<string, unknown> {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

/** The YAML text of the server config. */
export function renderClusterConfig(options: ClusterConfigOptions): string {
  const { postgres: pg, ports } = options;
  const services = Object.fromEntries(
    TEMPORAL_SERVICES.map((s) => [
      s,
      { rpc: { grpcPort: ports[s].grpc, membershipPort: ports[s].membership, bindOnIP: '127.0.0.1' } },
    ]),
  );
  const frontend = `127.0.0.1:${ports.frontend.grpc}`;
  return stringify({
    log: { stdout: true, level: options.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: options.historyShards,
      datastores: {
        'postgres-default': datastore(pg, pg.database, 20),
        'postgres-visibility': datastore(pg, `${pg.database}_visibility`, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: options.dynamicConfigPath, pollInterval: '10s' },
  });
}

/**
 * Dynamic config: new search attributes visible at once (as in temporal-dev.yml), and frontend calls not
 * throttled below what a load test sends from one host.
 */
export function renderDynamicConfig(): string {
  const value = (v: unknown): { value: unknown; constraints: Record<string, never> }[] => [
    { value: v, constraints: {} },
  ];
  return stringify({
    'system.forceSearchAttributesCacheRefreshOnRead': value(true),
    'limit.maxIDLength': value(255),
    'frontend.namespaceRPS': value(10000),
    'frontend.namespaceBurstRatio': value(2),
  });
}
