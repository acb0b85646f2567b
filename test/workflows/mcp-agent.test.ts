/**
 * MCP tools in agent runs, on a real dev server: an agent calls the shipped knowledge-base MCP server over stdio
 * and over streamable HTTP, a destructive MCP tool waits for approval, a graph's agent uses an MCP tool, the
 * worker stops its stdio servers when it stops, and the runs replay from history with every server gone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import {
  AGENT_WORKFLOW_TYPE,
  approveSignal,
  stateQuery,
  type AgentInput,
  type PendingApproval,
} from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE } from '../../src/contracts/graph-contract';
import { mcpServerSpecSchema } from '../../src/contracts/tool-catalog';
import { McpClientPool } from '../../src/activities/mcp';
import { agentInputFor, shippedAgentSpec } from '../../src/agents';
import {
  knowledgeBaseStdioCommand,
  startKnowledgeBaseHttpServer,
  type RunningHttpServer,
} from '../../src/servers/mcp-server';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { startTestStack, workflowBundle, type RunningWorker, type TestStack } from '../helpers/stack';

const shippedKnowledgeBase = path.resolve(__dirname, '../../src/agents/knowledge-base');
const TOKEN = 'mcp-agent-test-token-41c9';
const AUTH_VAR = 'KB_MCP_AGENT_TEST_AUTH';

function copyKnowledgeBase(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-mcp-agent-kb-'));
  fs.cpSync(shippedKnowledgeBase, dir, { recursive: true });
  return dir;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type History = temporal.api.history.v1.IHistory;

/** Every payload of a history, decoded: what the server stores for anyone with access to it to read. */
function payloadText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) payloadText(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) payloadText(v, out);
  return out;
}

function activityTypes(history: History): string[] {
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((name): name is string => Boolean(name));
}

let stack: TestStack;
let worker: RunningWorker;
let pool: McpClientPool;
let http: RunningHttpServer;
let stdioData: string;
let httpData: string;
/** An MCP server entry as an agent author writes it (defaults are filled in by the workflow). */
type McpServerInput = NonNullable<AgentInput['mcpServers']>[number];
let stdioServer: McpServerInput;
let httpServer: McpServerInput;
/** Every run started here, replayed at the end. */
const runs: WorkflowHandle[] = [];
let n = 0;

before(async () => {
  stdioData = copyKnowledgeBase();
  httpData = copyKnowledgeBase();
  http = await startKnowledgeBaseHttpServer({ dataDir: httpData, port: 0, token: TOKEN });
  stdioServer = { name: 'kb', ...knowledgeBaseStdioCommand(stdioData), timeout: '20s' };
  // Only the variable's name travels in the input; its value lives in the worker's environment (here, the pool's).
  httpServer = { name: 'kbhttp', url: http.url, headersFromEnv: { Authorization: AUTH_VAR } };
  stack = await startTestStack({ worker: false });
  pool = new McpClientPool({ env: { PATH: process.env.PATH, [AUTH_VAR]: `Bearer ${TOKEN}` } });
  worker = await stack.startWorker({ extra: { mcpPool: pool } });
});

after(async () => {
  await stack?.stop();
  await pool?.closeAll();
  await http?.close().catch(() => undefined);
  for (const dir of [stdioData, httpData]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function startAgent(scenario: string, input: Partial<AgentInput>): Promise<WorkflowHandle<typeof agentWorkflow>> {
  const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: `mcp-agent-${process.pid}-${scenario}-${++n}`,
    args: [{ instructions: 'You use the knowledge base.', input: 'go', model: `mock:${scenario}`, ...input }],
  });
  runs.push(handle);
  return handle;
}

async function pendingOf(handle: WorkflowHandle): Promise<PendingApproval[]> {
  for (let i = 0; i < 300; i++) {
    const pending = (await handle.query(stateQuery)).pendingApprovals;
    if (pending.length) return pending;
    await sleep(100);
  }
  return assert.fail('no approval became pending');
}

describe('agents with MCP tools', () => {
  it('an agent spec names MCP servers only; until the input takes names, such a spec is refused, not guessed', () => {
    const fileClerk = shippedAgentSpec('file-clerk');
    assert.throws(() => agentInputFor({ ...fileClerk, mcpServers: [{ name: 'kb' }] }, 'q'), /mcpServers: kb/);
    assert.equal(agentInputFor(fileClerk, 'q').mcpServers, undefined);
  });

  it('calls a knowledge-base tool over stdio, as an mcp:callTool activity after a recorded discovery', async () => {
    stack.mock.addScenario('mcp-stdio', {
      turns: [
        { toolCalls: [{ name: 'kb__search_knowledge_base', arguments: { query: 'retry policy rate limit' } }] },
        { text: 'Retries live in the activity retry policy.' },
      ],
    });
    const handle = await startAgent('mcp-stdio', { mcpServers: [stdioServer] });
    const result = await handle.result();
    assert.equal(result.text, 'Retries live in the activity retry policy.');
    assert.equal(result.toolCalls, 1);
    const toolStep = result.steps.find((s) => s.kind === 'tool');
    assert.equal(toolStep?.name, 'kb__search_knowledge_base');
    assert.equal(toolStep?.status, 'ok');
    // The model read the server's answer.
    const second = stack.mock.requests.filter((r) => r.scenario === 'mcp-stdio').at(-1);
    assert.match(second?.lastUserOrToolContent ?? '', /source: retries-and-rate-limits\.md/);

    const history = await handle.fetchHistory();
    assert.deepEqual(activityTypes(history), ['describeTools', 'callModel', 'mcp:callTool', 'callModel']);
    const pid = await pool.pid(mcpServerSpecSchema.parse(stdioServer));
    assert.ok(pid && isRunning(pid), 'the stdio server keeps running between calls');
  });

  it('calls an idempotent tool over streamable HTTP with a header read from the worker environment', async () => {
    stack.mock.addScenario('mcp-http', {
      turns: [
        {
          toolCalls: [
            { name: 'kbhttp__add_note', arguments: { title: 'Agent note', text: 'Written by an agent over HTTP.' } },
          ],
        },
        { text: 'Saved.' },
      ],
    });
    const handle = await startAgent('mcp-http', { mcpServers: [httpServer] });
    const result = await handle.result();
    assert.equal(result.text, 'Saved.');
    // add_note says destructiveHint false and idempotentHint true: no approval gate, it ran straight away.
    assert.deepEqual(
      result.steps.filter((s) => s.kind === 'tool').map((s) => [s.name, s.status]),
      [['kbhttp__add_note', 'ok']],
    );
    assert.match(fs.readFileSync(path.join(httpData, 'notes/agent-note.md'), 'utf8'), /Written by an agent/);
    // The header's value never entered history: only the variable's name did.
    const historyText = payloadText(await handle.fetchHistory()).join('\n');
    assert.ok(historyText.includes(AUTH_VAR));
    assert.ok(!historyText.includes(TOKEN), 'the token is not in history');
  });

  it('holds a destructive MCP tool for approval and runs it after approve', async () => {
    stack.mock.addScenario('mcp-destructive', {
      turns: [
        { toolCalls: [{ name: 'kb__delete_document', arguments: { file: 'cost-control.md' } }] },
        { text: 'Deleted cost-control.md.' },
      ],
    });
    const target = path.join(stdioData, 'cost-control.md');
    const handle = await startAgent('mcp-destructive', { mcpServers: [stdioServer] });
    const [pending] = await pendingOf(handle);
    assert.equal(pending?.what, 'tool kb__delete_document');
    assert.match(pending?.why ?? '', /destructive/);
    assert.deepEqual(JSON.parse(pending?.proposed ?? '{}'), { file: 'cost-control.md' });
    assert.equal((await handle.query(stateQuery)).status, 'awaiting_approval');
    assert.ok(fs.existsSync(target), 'nothing is deleted before the approval');
    assert.ok(!activityTypes(await handle.fetchHistory()).includes('mcp:callTool'));

    await handle.signal(approveSignal, { by: 'test' });
    const result = await handle.result();
    assert.equal(result.text, 'Deleted cost-control.md.');
    assert.ok(!fs.existsSync(target), 'the approved call ran');
  });

  it('gives a graph agent MCP tools', async () => {
    stack.mock.addScenario('mcp-graph', {
      cases: [
        {
          when: { contains: '[librarian]' },
          turns: [{ toolCalls: [{ name: 'kbhttp__list_documents', arguments: {} }] }, { text: 'Six documents.' }],
        },
      ],
    });
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `mcp-agent-${process.pid}-graph-${++n}`,
      args: [
        {
          spec: {
            name: 'mcp-librarian',
            agents: {
              librarian: {
                instructions: '[librarian] Answer from the knowledge base.',
                model: 'mock:mcp-graph',
                mcpServers: [httpServer],
              },
            },
            state: { answer: { type: 'string' } },
            entry: 'ask',
            nodes: {
              ask: {
                kind: 'agent',
                agent: 'librarian',
                input: 'How many documents are there?',
                output: 'answer',
                next: 'done',
              },
              done: { kind: 'end', output: 'answer' },
            },
          },
          input: {},
        },
      ],
    });
    runs.push(handle);
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.output, 'Six documents.');
    const childId = result.steps[0]?.children?.[0];
    assert.ok(childId, 'the agent ran as a child');
    const child = stack.client.workflow.getHandle(childId);
    runs.push(child);
    assert.ok(activityTypes(await child.fetchHistory()).includes('mcp:callTool'));
    const listing = stack.mock.requests.filter((r) => r.scenario === 'mcp-graph').at(-1);
    assert.match(listing?.lastUserOrToolContent ?? '', /tools\.md/);
  });

  it('does not retry an approved destructive call whose stdio server died mid-call: one approval, one attempt', async () => {
    const data = copyKnowledgeBase();
    try {
      const server: McpServerInput = { name: 'kbx', ...knowledgeBaseStdioCommand(data), timeout: '30s' };
      stack.mock.addScenario('mcp-dies', {
        turns: [
          { toolCalls: [{ name: 'kbx__delete_document', arguments: { file: 'tools.md' } }] },
          { text: 'The delete did not go through.' },
        ],
      });
      const handle = await startAgent('mcp-dies', { mcpServers: [server] });
      await pendingOf(handle);
      const pid = await pool.pid(mcpServerSpecSchema.parse(server));
      assert.ok(pid, 'discovery started the server');
      // Stopped, the server takes the call but cannot answer; killed, it takes the call with it.
      process.kill(pid, 'SIGSTOP');
      await handle.signal(approveSignal, {});
      for (let i = 0; i < 200; i++) {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        if (pending.some((a) => a.activityType?.name === 'mcp:callTool' && Number(a.attempt) === 1)) break;
        await sleep(50);
      }
      await sleep(300);
      process.kill(pid, 'SIGKILL');

      const result = await handle.result();
      assert.equal(result.text, 'The delete did not go through.');
      // A destructive MCP tool cannot say it passes the idempotency key on, so it gets one attempt: a retry
      // could act a second time on the strength of one approval.
      const step = result.steps.find((s) => s.kind === 'tool');
      assert.equal(step?.status, 'error');
      assert.match(step?.summary ?? '', /McpServerUnavailable.*MCP server "kbx".*unavailable/);
      const retried = ((await handle.fetchHistory()).events ?? [])
        .map((e) => e.activityTaskStartedEventAttributes)
        .filter((a) => a && Number(a.attempt) > 1);
      assert.equal(retried.length, 0, 'no retry');
      assert.ok(fs.existsSync(path.join(data, 'tools.md')), 'nothing was deleted');
    } finally {
      fs.rmSync(data, { recursive: true, force: true });
    }
  });

  it('reports a server that cannot start as a retryable McpServerUnavailable on the discovery activity', async () => {
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `mcp-agent-${process.pid}-no-server-${++n}`,
      args: [
        {
          instructions: 't',
          input: 'go',
          model: 'mock:hello',
          mcpServers: [{ name: 'ghost', command: '/nonexistent/mcp-server' }],
        },
      ],
    });
    try {
      let failure;
      for (let i = 0; i < 200 && !failure; i++) {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        failure = pending.find((a) => a.activityType?.name === 'describeTools' && a.lastFailure)?.lastFailure;
        if (!failure) await sleep(100);
      }
      assert.equal(failure?.applicationFailureInfo?.type, 'McpServerUnavailable');
      assert.equal(failure?.applicationFailureInfo?.nonRetryable ?? false, false);
      assert.match(failure?.message ?? '', /ENOENT/);
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'the run waits for the next attempt');
    } finally {
      await handle.terminate('test done');
    }
  });

  it('stops its stdio servers when the worker stops, and every run replays with the servers gone', async () => {
    const pid = await pool.pid(mcpServerSpecSchema.parse(stdioServer));
    assert.ok(pid, 'a stdio server was running');
    await worker.stop();
    for (let i = 0; i < 50 && isRunning(pid); i++) await sleep(100);
    assert.ok(!isRunning(pid), 'the worker stopped its stdio server on shutdown');
    await http.close();

    // Replay runs workflow code only: discovery and tool calls come from history, so no server is needed.
    const workflowBundleCode = await workflowBundle();
    for (const handle of runs) {
      const history = await handle.fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: workflowBundleCode }, history, handle.workflowId);
    }
    assert.equal(await pool.pid(mcpServerSpecSchema.parse(stdioServer)), undefined, 'replay started no server');
  });
});
