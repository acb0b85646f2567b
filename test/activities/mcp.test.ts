/**
 * MCP servers as tool sources: the activities on their own (MockActivityEnvironment) against the shipped
 * knowledge-base MCP server over stdio and over HTTP, the worker's registry of declared servers (a run names a
 * server, never defines one), and the AGENT_MCP_SERVERS_FILE the operator declares them in.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import {
  MCP_CALL_TOOL_ACTIVITY,
  mcpServerSpecSchema,
  type McpCallInput,
  type McpServerRef,
  type McpServerSpec,
  type ToolDescriptor,
} from '../../src/contracts/tool-catalog';
import type { ToolCallOutput } from '../../src/contracts/tool-specs';
import {
  createMcpActivities,
  createMcpSupport,
  discoverMcpTools,
  McpClientPool,
  McpServerRegistry,
} from '../../src/activities/mcp';
import { mcpServersFromEnv } from '../../src/config/mcp-servers';
import { UserError } from '../../src/contracts/errors';
import { refFor } from '../../src/activities/mcp/registry';
import { knowledgeBaseStdioCommand } from '../../src/servers/mcp-server';
import { quietActivityEnv } from '../helpers/activity-env';

const repoRoot = path.resolve(__dirname, '..', '..');
const shippedKnowledgeBase = path.join(repoRoot, 'src/agents/knowledge-base');
const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
const HTTP_TOKEN = 'test-token-7f3a';

/** A scratch copy of the shipped knowledge base: the MCP server may delete and add documents in it. */
function copyKnowledgeBase(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-mcp-kb-'));
  fs.cpSync(shippedKnowledgeBase, dir, { recursive: true });
  return dir;
}

const spec = (fields: Record<string, unknown>): McpServerSpec => mcpServerSpecSchema.parse(fields);

interface HttpServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `src/servers/mcp-server/http.ts` as users do and reads the URL from its first stdout line. */
async function startHttpServer(dataDir: string, token?: string): Promise<HttpServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, path.join(repoRoot, 'src/servers/mcp-server/http.ts'), '--data', dataDir, '--port', '0'],
    {
      env: { PATH: process.env.PATH, ...(token ? { MCP_SERVER_TOKEN: token } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    exited.then(() => Promise.reject(new Error(`HTTP MCP server exited: ${stderr}`))),
  ]);
  lines.close();
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The failure a promise rejects with, asserted to be an ApplicationFailure. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

let callCounter = 0;
/** A call of `tool` on `server` as the workflow sends it: the server by name only. */
function callInput(server: McpServerRef, tool: string, args: unknown): McpCallInput {
  const id = ++callCounter;
  return {
    server,
    tool,
    arguments: typeof args === 'string' ? args : JSON.stringify(args),
    toolCallId: `call-${id}`,
    idempotencyKey: `test-${id}`,
  };
}

describe('MCP activities', () => {
  let stdioData: string;
  let httpData: string;
  let http: HttpServerProcess;
  let pool: McpClientPool;
  let stdioSpec: McpServerSpec;
  let httpSpec: McpServerSpec;
  const pools: McpClientPool[] = [];

  /** A pool whose environment holds PATH and the HTTP server's Authorization header, nothing else by default. */
  const newPool = (env: NodeJS.ProcessEnv = {}, connectTimeoutMs = 15_000): McpClientPool => {
    const p = new McpClientPool({
      env: { PATH: process.env.PATH, KB_HTTP_AUTH: `Bearer ${HTTP_TOKEN}`, ...env },
      connectTimeoutMs,
    });
    pools.push(p);
    return p;
  };

  before(async () => {
    stdioData = copyKnowledgeBase();
    httpData = copyKnowledgeBase();
    http = await startHttpServer(httpData, HTTP_TOKEN);
    pool = newPool();
    stdioSpec = spec({ name: 'kb', ...knowledgeBaseStdioCommand(stdioData), timeout: '20s', maximumAttempts: 4 });
    httpSpec = spec({ name: 'kbhttp', url: http.url, headersFromEnv: { Authorization: 'KB_HTTP_AUTH' } });
  });

  after(async () => {
    await Promise.all(pools.map((p) => p.closeAll()));
    await http?.stop();
    for (const dir of [stdioData, httpData]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Calls `tool` on a worker whose operator declared exactly `server`; the call names it only. */
  const call = (server: McpServerSpec, tool: string, args: unknown, p = pool) => {
    const { env, logs } = quietActivityEnv({ activityType: MCP_CALL_TOOL_ACTIVITY });
    const activity = createMcpActivities(new McpServerRegistry([server]), p)[MCP_CALL_TOOL_ACTIVITY];
    return {
      result: env.run(activity, callInput(refFor(server), tool, args)) as Promise<ToolCallOutput>,
      logs,
    };
  };
  const discover = (server: McpServerSpec, p = pool) => {
    const { env, logs } = quietActivityEnv({ activityType: 'describeTools' });
    return { result: env.run(() => discoverMcpTools(server, p)) as Promise<ToolDescriptor[]>, logs };
  };

  for (const transport of ['stdio', 'http'] as const) {
    it(`discovers the tools over ${transport}, with side effects from their annotations`, async () => {
      const server = transport === 'stdio' ? stdioSpec : httpSpec;
      const { result, logs } = discover(server);
      const tools = await result;
      const byName = new Map(tools.map((t) => [t.name, t]));
      const p = server.name;
      assert.deepEqual([...byName.keys()].sort(), [
        `${p}__add_note`,
        `${p}__delete_document`,
        `${p}__list_documents`,
        `${p}__search_knowledge_base`,
      ]);
      const summary = (name: string) => {
        const t = byName.get(`${p}__${name}`);
        return [t?.sideEffects, t?.needsApproval];
      };
      assert.deepEqual(summary('search_knowledge_base'), ['none', false]);
      assert.deepEqual(summary('list_documents'), ['none', false]);
      assert.deepEqual(summary('delete_document'), ['destructive', true]);
      assert.deepEqual(summary('add_note'), ['idempotent', false]);

      const search = byName.get(`${p}__search_knowledge_base`);
      assert.equal(search?.activity, 'mcp:callTool');
      assert.equal(search?.timeout, server.timeout);
      assert.equal(search?.maximumAttempts, server.maximumAttempts);
      // Only the server's name is recorded: every call is resolved against the worker's declarations again.
      assert.deepEqual(search?.mcp, { server: { name: server.name }, tool: 'search_knowledge_base' });
      assert.match(search?.description ?? '', /knowledge base/i);
      const parameters = search?.parameters as {
        type?: string;
        properties?: Record<string, unknown>;
        $schema?: string;
      };
      assert.equal(parameters.type, 'object');
      assert.ok(parameters.properties?.query, 'the argument schema reaches the model');
      assert.equal(parameters.$schema, undefined);
      const log = logs.find((l) => l.message === 'mcp tools discovered');
      assert.equal(log?.meta?.server, p);
    });
  }

  it('offers only the tools in allowTools', async () => {
    const tools = await discover({ ...stdioSpec, allowTools: ['search_knowledge_base', 'list_documents'] }).result;
    assert.deepEqual(tools.map((t) => t.name).sort(), ['kb__list_documents', 'kb__search_knowledge_base']);
    // The same command shares the connection: allowTools is a filter, not another server.
    assert.equal(await pool.pid({ ...stdioSpec, allowTools: ['x'] }), await pool.pid(stdioSpec));
  });

  it('calls a tool over stdio and logs the server and tool', async () => {
    const { result, logs } = call(stdioSpec, 'search_knowledge_base', { query: 'retry policy rate limit' });
    const { content } = await result;
    assert.match(content, /passages? from the knowledge base/);
    assert.match(content, /source: retries-and-rate-limits\.md/);
    const log = logs.find((l) => l.message === 'mcp tool call completed');
    assert.equal(log?.meta?.server, 'kb');
    assert.equal(log?.meta?.tool, 'search_knowledge_base');
  });

  it('calls tools over HTTP: an idempotent note, then a listing that shows it', async () => {
    const note = { title: 'Temporal retries', text: 'Retries belong to the activity retry policy.' };
    assert.match((await call(httpSpec, 'add_note', note).result).content, /Saved notes\/temporal-retries\.md/);
    assert.match((await call(httpSpec, 'add_note', note).result).content, /already saved/);
    assert.ok(fs.existsSync(path.join(httpData, 'notes/temporal-retries.md')));
    const { content } = await call(httpSpec, 'list_documents', {}).result;
    assert.match(content, /notes\/temporal-retries\.md — Temporal retries/);
    assert.match(content, /tools\.md — /);
  });

  it('turns a tool result with isError into a non-retryable ToolFailed carrying its text', async () => {
    const { result, logs } = call(stdioSpec, 'delete_document', { file: 'no-such-file.md' });
    const failure = await failureOf(result);
    assert.equal(failure.type, 'ToolFailed');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /kb__delete_document: no such document: no-such-file\.md/);
    const outside = await failureOf(call(stdioSpec, 'delete_document', { file: '../../etc/passwd.md' }).result);
    assert.match(outside.message, /outside the knowledge base folder/);
    const log = logs.find((l) => l.message === 'mcp tool call failed');
    assert.equal(log?.meta?.type, 'ToolFailed');
    assert.equal(log?.meta?.tool, 'delete_document');
  });

  it('refuses bad arguments and unknown tools without calling the server', async () => {
    const badJson = await failureOf(call(stdioSpec, 'search_knowledge_base', '{"query": "retr').result);
    assert.equal(badJson.type, 'ToolArgumentsInvalid');
    assert.equal(badJson.nonRetryable, true);
    assert.match(badJson.message, /not valid JSON/);

    const notObject = await failureOf(call(stdioSpec, 'search_knowledge_base', '[1, 2]').result);
    assert.equal(notObject.type, 'ToolArgumentsInvalid');

    const wrongType = await failureOf(call(stdioSpec, 'search_knowledge_base', { query: 42 }).result);
    assert.equal(wrongType.type, 'ToolArgumentsInvalid');
    assert.match(wrongType.message, /query/);

    const unknown = await failureOf(call(stdioSpec, 'format_disk', {}).result);
    assert.equal(unknown.type, 'UnknownTool');
    assert.equal(unknown.nonRetryable, true);
    assert.match(unknown.message, /has no tool "format_disk"; it has: .*search_knowledge_base/);

    const notAllowed = await failureOf(
      call({ ...stdioSpec, allowTools: ['search_knowledge_base'] }, 'delete_document', { file: 'tools.md' }).result,
    );
    assert.equal(notAllowed.type, 'UnknownTool');
    assert.ok(fs.existsSync(path.join(stdioData, 'tools.md')), 'a tool outside allowTools never runs');
  });

  it('refuses an HTTP call without the bearer token, and names a missing variable but never a value', async () => {
    const noHeader = await failureOf(discover({ ...httpSpec, headersFromEnv: {} }).result);
    assert.equal(noHeader.type, 'AuthFailed');
    assert.equal(noHeader.nonRetryable, true);
    assert.match(noHeader.message, /refused the credentials/);

    const wrongToken = await failureOf(discover(httpSpec, newPool({ KB_HTTP_AUTH: 'Bearer not-the-token' })).result);
    assert.equal(wrongToken.type, 'AuthFailed');
    assert.doesNotMatch(wrongToken.message, /not-the-token/);

    const missing = await failureOf(
      discover({ ...httpSpec, headersFromEnv: { Authorization: 'KB_UNSET_TOKEN' } }).result,
    );
    assert.equal(missing.type, 'McpServerMisconfigured');
    assert.equal(missing.nonRetryable, true);
    assert.match(missing.message, /KB_UNSET_TOKEN/);
    assert.doesNotMatch(missing.message, new RegExp(HTTP_TOKEN));
  });

  it('passes a stdio server only PATH and the variables in envFromEnv', async () => {
    // A "server" that prints its environment's names to stderr and exits: the failure shows what it got.
    const envProbe = spec({
      name: 'probe',
      command: process.execPath,
      args: ['-e', 'process.stderr.write("env=" + Object.keys(process.env).sort().join(",")); process.exit(1)'],
      envFromEnv: ['KB_PASSED'],
    });
    const p = newPool({ KB_PASSED: 'yes', KB_SECRET: 'no', HOME: '/root', USER: 'root' });
    const failure = await failureOf(discover(envProbe, p).result);
    assert.equal(failure.type, 'McpServerUnavailable');
    assert.match(failure.message, /env=KB_PASSED,PATH(?![,\w])/);

    const unset = await failureOf(discover({ ...envProbe, envFromEnv: ['KB_NOT_SET'] }, p).result);
    assert.equal(unset.type, 'McpServerMisconfigured');
    assert.match(unset.message, /KB_NOT_SET/);
  });

  it('reports a server that cannot start, exits at once or never answers as a retryable McpServerUnavailable', async () => {
    const p = newPool({}, 1500);
    const pidFile = path.join(stdioData, '.mute.pid');
    const cases: [string, McpServerSpec, RegExp][] = [
      ['missing command', spec({ name: 'ghost', command: '/nonexistent/mcp-server' }), /ENOENT/],
      [
        'exits at once',
        spec({
          name: 'crash',
          command: process.execPath,
          args: ['-e', 'console.error("boom: no config"); process.exit(3)'],
        }),
        /boom: no config/,
      ],
      [
        'never answers',
        spec({
          name: 'mute',
          command: process.execPath,
          args: [
            '-e',
            `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); process.stdin.resume(); process.stdin.on('end', () => {}); setInterval(() => {}, 1000)`,
          ],
        }),
        /timed out/i,
      ],
      ['nothing listening', spec({ name: 'gone', url: 'http://127.0.0.1:9/mcp' }), /fetch failed|ECONNREFUSED/],
    ];
    for (const [what, server, detail] of cases) {
      const failure = await failureOf(discover(server, p).result);
      assert.equal(failure.type, 'McpServerUnavailable', what);
      assert.equal(failure.nonRetryable, false, what);
      assert.match(failure.message, detail, what);
      assert.equal(await p.pid(server), undefined, `${what}: no connection kept`);
    }
    // The server that ignored the handshake (and its stdin closing) was stopped, not orphaned.
    const mutePid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.throws(() => process.kill(mutePid, 0), /ESRCH/, 'the silent server process is gone');
    const callFailure = await failureOf(call(cases[0]![1], 'anything', {}, p).result);
    assert.equal(callFailure.type, 'McpServerUnavailable');
    assert.equal(callFailure.nonRetryable, false);
  });

  it('fails a call retryably when the stdio server dies mid-call, and the next call starts a new one', async () => {
    const p = newPool();
    const args = { query: 'approval' };
    await call(stdioSpec, 'search_knowledge_base', args, p).result;
    const pid = await p.pid(stdioSpec);
    assert.ok(pid, 'the stdio server runs between calls');
    // Stopped, the server cannot answer; killed, it takes the in-flight call with it.
    process.kill(pid, 'SIGSTOP');
    const inFlight = call(stdioSpec, 'search_knowledge_base', args, p).result;
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(pid, 'SIGKILL');
    const failure = await failureOf(inFlight);
    assert.equal(failure.type, 'McpServerUnavailable');
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, /connection closed/i);

    const { content } = await call(stdioSpec, 'search_knowledge_base', args, p).result;
    assert.match(content, /passages? from the knowledge base/);
    const newPid = await p.pid(stdioSpec);
    assert.ok(newPid && newPid !== pid, 'a new server process');
  });

  it('reconnects to an HTTP server that restarted', async () => {
    const data = copyKnowledgeBase();
    const p = newPool();
    try {
      let server = await startHttpServer(data);
      const httpSpecNoAuth = spec({ name: 'kbr', url: server.url });
      await call(httpSpecNoAuth, 'list_documents', {}, p).result;
      await server.stop();
      const failure = await failureOf(call(httpSpecNoAuth, 'list_documents', {}, p).result);
      assert.equal(failure.type, 'McpServerUnavailable');
      assert.equal(failure.nonRetryable, false);
      // The restarted server listens on another port; a spec with its URL connects afresh.
      server = await startHttpServer(data);
      try {
        const { content } = await call({ ...httpSpecNoAuth, url: server.url }, 'list_documents', {}, p).result;
        assert.match(content, /tools\.md/);
      } finally {
        await server.stop();
      }
    } finally {
      fs.rmSync(data, { recursive: true, force: true });
    }
  });
});

describe("the worker's MCP server registry", () => {
  const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-mcp-registry-'));
  after(() => fs.rmSync(markerDir, { recursive: true, force: true }));
  /** A command that would leave a file behind if it ever ran. */
  const markerCommand = (marker: string) => ({
    command: process.execPath,
    args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`],
  });
  const kb = spec({ name: 'kb', ...knowledgeBaseStdioCommand(shippedKnowledgeBase) });

  it('refuses an undeclared name, listing the declared ones', () => {
    const registry = new McpServerRegistry([kb, spec({ name: 'tickets', url: 'http://127.0.0.1:9/mcp' })]);
    assert.deepEqual(registry.names(), ['kb', 'tickets']);
    assert.throws(
      () => registry.resolve({ name: 'evil' }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'McpServerNotDeclared' &&
        err.nonRetryable &&
        /MCP server "evil" is not declared on this worker; declared: kb, tickets/.test(err.message),
    );
    assert.match(
      (() => {
        try {
          new McpServerRegistry().resolve({ name: 'kb' });
        } catch (err) {
          return (err as Error).message;
        }
        return '';
      })(),
      /declared: \(none; declare servers in AGENT_MCP_SERVERS_FILE/,
    );
  });

  it('narrows a declared server by the run’s allowTools, never beyond the operator’s own list', () => {
    const narrow = spec({ ...kb, allowTools: ['search_knowledge_base', 'list_documents'] });
    const registry = new McpServerRegistry([narrow]);
    assert.deepEqual(registry.resolve({ name: 'kb' }).allowTools, ['search_knowledge_base', 'list_documents']);
    assert.deepEqual(registry.resolve({ name: 'kb', allowTools: ['list_documents', 'delete_document'] }).allowTools, [
      'list_documents',
    ]);
    assert.equal(registry.resolve({ name: 'kb' }).command, narrow.command);
  });

  it('refuses declarations that are wrong, naming the field, and a name declared twice', () => {
    assert.throws(() => new McpServerRegistry([{ name: 'x' }], 'test'), /test: mcpServers\.0: give either command/);
    assert.throws(
      () => new McpServerRegistry([{ name: 'x', url: 'not a url' }], 'test'),
      /test: mcpServers\.0\.url: Invalid URL/,
    );
    assert.throws(() => new McpServerRegistry([kb, kb], 'test'), /mcpServers\.1\.name: "kb" is declared twice/);
  });

  it('never starts a command that arrives inline, in discovery or in a recorded tool call', async () => {
    const p = new McpClientPool({ env: { PATH: process.env.PATH } });
    try {
      const marker = path.join(markerDir, 'discovery-ran');
      const support = createMcpSupport(new McpServerRegistry([kb]), p);
      const { env } = quietActivityEnv({ activityType: 'describeTools' });
      // Both the declared server and the inline one: the refusal comes before either starts.
      const refused = await failureOf(
        env.run(() => support.discover([{ name: 'kb' }, { name: 'kb', ...markerCommand(marker) } as McpServerRef])),
      );
      assert.equal(refused.type, 'McpServerNotDeclared');
      assert.equal(refused.nonRetryable, true);
      assert.match(refused.message, /came with command, args of its own/);
      assert.equal(await p.pid(kb), undefined, 'not even the declared server was started');

      // A run recorded before the registry carries the whole definition in its tool calls' input.
      const recorded = path.join(markerDir, 'call-ran');
      const { env: callEnv } = quietActivityEnv({ activityType: MCP_CALL_TOOL_ACTIVITY });
      const callRefused = await failureOf(
        callEnv.run(
          support.activities[MCP_CALL_TOOL_ACTIVITY],
          callInput(spec({ name: 'kb', ...markerCommand(recorded) }) as McpServerRef, 'search_knowledge_base', {}),
        ),
      );
      assert.equal(callRefused.type, 'McpServerNotDeclared');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(!fs.existsSync(marker) && !fs.existsSync(recorded), 'no inline command ever ran');
    } finally {
      await p.closeAll();
    }
  });
});

describe('AGENT_MCP_SERVERS_FILE', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-mcp-file-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads JSON and YAML, and names the file and the field of a mistake', () => {
    const json = path.join(dir, 'servers.json');
    fs.writeFileSync(json, JSON.stringify({ mcpServers: [{ name: 'kb', command: 'node', args: ['kb.js'] }] }));
    const [fromJson] = mcpServersFromEnv({ AGENT_MCP_SERVERS_FILE: json });
    assert.deepEqual(
      [fromJson?.name, fromJson?.command, fromJson?.args, fromJson?.maximumAttempts],
      ['kb', 'node', ['kb.js'], 3],
    );
    const yaml = path.join(dir, 'servers.yaml');
    fs.writeFileSync(
      yaml,
      'mcpServers:\n  - name: tickets\n    url: https://mcp.example/mcp\n    headersFromEnv: { Authorization: T_AUTH }\n',
    );
    assert.deepEqual(mcpServersFromEnv({ AGENT_MCP_SERVERS_FILE: yaml })[0]?.headersFromEnv, {
      Authorization: 'T_AUTH',
    });
    assert.deepEqual(mcpServersFromEnv({}), []);

    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'mcpServers:\n  - name: kb\n    command: node\n    envFromEnv: KB_TOKEN\n');
    assert.throws(
      () => mcpServersFromEnv({ AGENT_MCP_SERVERS_FILE: bad }),
      (err: unknown) =>
        err instanceof UserError && /AGENT_MCP_SERVERS_FILE .*bad\.yaml: mcpServers\.0\.envFromEnv:/.test(err.message),
    );
    fs.writeFileSync(bad, '[1, 2]');
    assert.throws(() => mcpServersFromEnv({ AGENT_MCP_SERVERS_FILE: bad }), /a list under "mcpServers"/);
    assert.throws(
      () => mcpServersFromEnv({ AGENT_MCP_SERVERS_FILE: path.join(dir, 'missing.json') }),
      /AGENT_MCP_SERVERS_FILE .*missing\.json: ENOENT/,
    );
  });
});
