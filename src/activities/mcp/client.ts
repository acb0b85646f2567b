/**
 * A worker's connections to MCP servers, one per server spec, shared by every activity of the worker. A stdio
 * server is a child process that lives as long as its connection; an HTTP server is reached with the SDK's
 * streamable HTTP transport. A connection that died (the child exited, a request hit a refused socket) is
 * dropped, and the next activity attempt opens a new one: Temporal's retry policy does the reconnecting.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, DEFAULT_INHERITED_ENV_VARS } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { ApplicationFailure } from '@temporalio/activity';
import type { McpServerSpec } from '../../contracts/tool-catalog';
import { missingEnvironment, serverUnavailable, transportFailure } from './failures';

const CLIENT_INFO = { name: 'durable-agents', version: '0.1.0' };
/** How much of a stdio server's stderr is kept to explain why it failed. */
const STDERR_TAIL_CHARS = 600;

export interface McpClientPoolOptions {
  /** How long starting a server and the MCP handshake may take before the server counts as unavailable. */
  connectTimeoutMs?: number;
  /** Where envFromEnv and headersFromEnv values are read; the worker's environment by default. */
  env?: NodeJS.ProcessEnv;
}

/** The fields that decide which server a spec reaches; name, allowTools and retry settings do not. */
function connectionKey(spec: McpServerSpec): string {
  return JSON.stringify(
    spec.url
      ? { url: spec.url, headersFromEnv: Object.entries(spec.headersFromEnv).sort() }
      : { command: spec.command, args: spec.args, envFromEnv: [...spec.envFromEnv].sort() },
  );
}

/** Keeps the end of a child's stderr, so "exited during start" can say what the server printed. */
class StderrTail {
  private text = '';

  attach(stream: NodeJS.ReadableStream | null): void {
    stream?.on('data', (chunk: Buffer | string) => {
      this.text = (this.text + chunk.toString()).slice(-STDERR_TAIL_CHARS);
    });
    // A broken stderr pipe says nothing about the server's health; the stdout pipe and exit status do.
    stream?.on('error', () => undefined);
  }

  toString(): string {
    return this.text;
  }
}

/** The SDK's stdio transport, remembering its child's pid after the SDK itself has let go of the process. */
class TrackedStdioTransport extends StdioClientTransport {
  startedPid: number | undefined;

  override async start(): Promise<void> {
    await super.start();
    this.startedPid = this.pid ?? undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure a stdio server is gone. The SDK's close ends stdin and escalates to SIGTERM and SIGKILL on timers
 * that do not keep Node alive, and a failed handshake closes in the background; a server that ignores stdin
 * would then outlive the worker. So: SIGTERM, a second's grace, SIGKILL.
 */
async function stopProcess(pid: number): Promise<void> {
  if (!isRunning(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let waited = 0; waited < 1000 && isRunning(pid); waited += 50) await new Promise((r) => setTimeout(r, 50));
  if (isRunning(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // It exited between the check and the signal.
    }
  }
}

/** One live session with one MCP server. */
export class McpConnection {
  private closed = false;
  private tools: Promise<Tool[]> | undefined;

  constructor(
    readonly spec: McpServerSpec,
    readonly client: Client,
    private readonly transport: TrackedStdioTransport | StreamableHTTPClientTransport,
    private readonly stderr: StderrTail,
  ) {
    // A server may change its tools while connected; the next call then lists them again.
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.tools = undefined;
    });
  }

  /** False once the transport closed (a stdio child exited) or the pool dropped the connection. */
  get alive(): boolean {
    return !this.closed;
  }

  /** The stdio server's process id, for diagnostics; undefined for HTTP servers. */
  get pid(): number | undefined {
    return this.transport instanceof TrackedStdioTransport ? (this.transport.pid ?? undefined) : undefined;
  }

  /** The end of a stdio server's stderr output. */
  stderrTail(): string {
    return this.stderr.toString();
  }

  markClosed(): void {
    this.closed = true;
  }

  /** The server's tools, all pages; cached for the connection unless `refresh` asks for a fresh list. */
  listTools(options: { refresh?: boolean; timeoutMs?: number } = {}): Promise<Tool[]> {
    if (options.refresh || !this.tools) {
      const listing = this.fetchTools(options.timeoutMs);
      this.tools = listing;
      // A failed listing must not be cached: the next call asks again.
      listing.catch(() => {
        if (this.tools === listing) this.tools = undefined;
      });
    }
    return this.tools;
  }

  private async fetchTools(timeoutMs?: number): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(
        cursor ? { cursor } : undefined,
        timeoutMs ? { timeout: timeoutMs } : undefined,
      );
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  /** Calls one tool. `meta` travels as the request's `_meta` (the idempotency key, for servers that use it). */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: { timeoutMs?: number; signal?: AbortSignal; meta?: Record<string, unknown> } = {},
  ): Promise<CallToolResult> {
    const result = await this.client.callTool(
      { name, arguments: args, ...(options.meta ? { _meta: options.meta } : {}) },
      undefined,
      {
        ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    // Servers of the 2024-10-07 protocol answer with `toolResult`; present it as one text block.
    if (!('content' in result) && 'toolResult' in result) {
      return { content: [{ type: 'text', text: JSON.stringify(result.toolResult) }] };
    }
    return result as CallToolResult;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tools = undefined;
    // Closing stops a stdio child (stdin closed, then SIGTERM, then SIGKILL); a failure to close changes nothing.
    await this.client.close().catch(() => undefined);
    const pid = this.transport instanceof TrackedStdioTransport ? this.transport.startedPid : undefined;
    if (pid !== undefined) await stopProcess(pid);
  }
}

/**
 * The worker's MCP connections, keyed by server spec. Create one per worker and call {@link closeAll} when the
 * worker stops; until then stdio servers keep running between activities, so a tool call costs a message, not
 * a process start.
 */
export class McpClientPool {
  private readonly connections = new Map<string, Promise<McpConnection>>();
  private readonly connectTimeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: McpClientPoolOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.env = options.env ?? process.env;
  }

  /**
   * A live connection to the spec's server, opening one when there is none or the last one died. Throws a
   * retryable `McpServerUnavailable` when the server cannot be started or reached, a non-retryable
   * `McpServerMisconfigured` when an environment variable the spec names is missing, and a non-retryable
   * `AuthFailed` when an HTTP server refuses the credentials.
   */
  async connect(spec: McpServerSpec): Promise<McpConnection> {
    const key = connectionKey(spec);
    const existing = this.connections.get(key);
    if (existing) {
      const connection = await existing.catch(() => undefined);
      if (connection?.alive) return connection;
      if (this.connections.get(key) === existing) this.connections.delete(key);
      return this.connect(spec);
    }
    const opening = this.open(spec);
    this.connections.set(key, opening);
    // A failed start is not cached: the next attempt starts the server again.
    opening.catch(() => {
      if (this.connections.get(key) === opening) this.connections.delete(key);
    });
    return opening;
  }

  /**
   * Runs `fn` on a connection. A connection fault (the server exited, the socket was refused, a timeout)
   * drops the connection, so the next attempt reconnects, and becomes a retryable `McpServerUnavailable`;
   * other errors (protocol errors the server answered with) are rethrown for the caller to map.
   */
  async use<T>(spec: McpServerSpec, what: string, fn: (connection: McpConnection) => Promise<T>): Promise<T> {
    const connection = await this.connect(spec);
    try {
      return await fn(connection);
    } catch (err) {
      // A failure the caller already typed (an unknown tool, bad arguments) says nothing about the connection.
      if (err instanceof ApplicationFailure) throw err;
      const failure = transportFailure(spec, what, err, connection.stderrTail());
      if (failure) {
        await this.drop(connection);
        throw failure;
      }
      throw err;
    }
  }

  /** Closes one connection and forgets it; the next `connect` for its spec opens a new one. */
  async drop(connection: McpConnection): Promise<void> {
    const key = connectionKey(connection.spec);
    const current = this.connections.get(key);
    if (current && (await current.catch(() => undefined)) === connection) this.connections.delete(key);
    await connection.close();
  }

  /** The process id of the spec's stdio server when one is running; for diagnostics and tests. */
  async pid(spec: McpServerSpec): Promise<number | undefined> {
    const connection = await this.connections.get(connectionKey(spec))?.catch(() => undefined);
    return connection?.alive ? connection.pid : undefined;
  }

  /** Closes every connection and stops every stdio server; call when the worker shuts down. */
  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.close()));
  }

  private async open(spec: McpServerSpec): Promise<McpConnection> {
    const stderr = new StderrTail();
    const transport = spec.url ? this.httpTransport(spec) : this.stdioTransport(spec, stderr);
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const connection = new McpConnection(spec, client, transport, stderr);
    client.onclose = () => connection.markClosed();
    try {
      await client.connect(transport, { timeout: this.connectTimeoutMs });
    } catch (err) {
      await connection.close();
      const what = spec.url ? 'connecting' : 'starting the server';
      // Whatever broke the handshake, a fresh attempt may succeed, except refused credentials.
      throw (
        transportFailure(spec, what, err, stderr.toString()) ?? serverUnavailable(spec, what, err, stderr.toString())
      );
    }
    return connection;
  }

  private stdioTransport(spec: McpServerSpec, stderr: StderrTail): TrackedStdioTransport {
    // The SDK adds HOME, USER, SHELL and a few others to every child; only PATH and the listed variables
    // may reach the server, so the rest are masked (Node leaves out variables whose value is undefined).
    const env: Record<string, string | undefined> = Object.fromEntries(
      DEFAULT_INHERITED_ENV_VARS.map((k) => [k, undefined]),
    );
    if (this.env.PATH !== undefined) env.PATH = this.env.PATH;
    for (const name of spec.envFromEnv) {
      const value = this.env[name];
      if (value === undefined) throw missingEnvironment(spec, name, 'listed in envFromEnv');
      env[name] = value;
    }
    const transport = new TrackedStdioTransport({
      command: spec.command as string,
      args: spec.args,
      env: env as Record<string, string>,
      stderr: 'pipe',
    });
    stderr.attach(transport.stderr as NodeJS.ReadableStream | null);
    return transport;
  }

  private httpTransport(spec: McpServerSpec): StreamableHTTPClientTransport {
    const headers: Record<string, string> = {};
    for (const [header, variable] of Object.entries(spec.headersFromEnv)) {
      const value = this.env[variable];
      if (value === undefined) throw missingEnvironment(spec, variable, `value of the ${header} header`);
      headers[header] = value;
    }
    return new StreamableHTTPClientTransport(new URL(spec.url as string), { requestInit: { headers } });
  }
}
