/**
 * The trust line between whoever starts a run and the worker's operator, on a real dev server. A run input or
 * graph spec cannot make the worker run a command or send a worker secret anywhere: an inline MCP server
 * definition is refused before any process starts (a marker file stays absent) or any request leaves (a local
 * HTTP server sees nothing). A run names the servers the operator declared, and those work. A run cannot read
 * or overwrite another run's conversation, and workflow ids of any length or script run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { conversationFileName } from '../../src/activities/conversation/store';
import { AGENT_WORKFLOW_TYPE, type AgentInput } from '../../src/contracts/agent-contract';
import type { CarryOver } from '../../src/contracts/carry-over';
import { ErrorType } from '../../src/contracts/errors';
import { GRAPH_WORKFLOW_TYPE } from '../../src/contracts/graph-contract';
import { mcpServerSpecSchema } from '../../src/contracts/tool-catalog';
import { knowledgeBaseStdioCommand } from '../../src/servers/mcp-server';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { useTestStack, workflowBundle } from '../helpers/stack';

const SECRET_VAR = 'TRUST_BOUNDARY_TEST_SECRET';
const SECRET = 'worker-secret-value-5d1e';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'da-trust-'));
const kbData = path.join(scratch, 'kb');
fs.cpSync(path.resolve(__dirname, '../../src/agents/knowledge-base'), kbData, { recursive: true });
const kb = mcpServerSpecSchema.parse({ name: 'kb', ...knowledgeBaseStdioCommand(kbData), timeout: '20s' });

/** A command that leaves a file behind if it ever runs. */
function markerCommand(marker: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`] };
}

const stack = useTestStack({ worker: false }, async (s) => {
  // The secret lives in the worker's environment, where headersFromEnv would read it from.
  process.env[SECRET_VAR] = SECRET;
  await s.startWorker({ extra: { mcpServers: [kb] } });
});

/** A local HTTP server that counts every request it gets: the proof that nothing left the worker. */
let listener: http.Server;
let listenerUrl: string;
const received: string[] = [];
before(async () => {
  listener = http.createServer((req, res) => {
    received.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp`;
});
after(async () => {
  delete process.env[SECRET_VAR];
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  fs.rmSync(scratch, { recursive: true, force: true });
});

let n = 0;
const runs: WorkflowHandle[] = [];
async function startAgent(
  input: Partial<AgentInput>,
  workflowId = `trust-${process.pid}-${++n}`,
): Promise<WorkflowHandle<typeof agentWorkflow>> {
  const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [{ instructions: 'You help.', input: 'go', model: 'mock:hello', ...input } as AgentInput],
  });
  runs.push(handle);
  return handle;
}

/** The ApplicationFailure a run ended with: its own, or the one of the activity that ended it. */
async function runFailure(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(
    () => assert.fail('expected the run to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  const cause = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
  assert.ok(cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(cause)}`);
  return cause;
}

type History = temporal.api.history.v1.IHistory;
function activityTypes(history: History): string[] {
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((name): name is string => Boolean(name));
}
function payloadText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) payloadText(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) payloadText(v, out);
  return out;
}

describe('MCP servers come from the operator, never from a run', () => {
  it('refuses a run input that names a command, before any process starts', async () => {
    const marker = path.join(scratch, 'agent-command-ran');
    const handle = await startAgent({
      mcpServers: [{ name: 'kb', ...markerCommand(marker) } as unknown as string],
    });
    const failure = await runFailure(handle);
    assert.equal(failure.type, ErrorType.InvalidAgentInput);
    assert.match(failure.message, /mcpServers\.0: command, args cannot be set by a run/);
    assert.match(failure.message, /AGENT_MCP_SERVERS_FILE/);
    assert.deepEqual(activityTypes(await handle.fetchHistory()), [], 'no activity was even scheduled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(!fs.existsSync(marker), 'the command never ran');
  });

  it('refuses a URL with a secret header from the worker environment, before any request leaves', async () => {
    const handle = await startAgent({
      mcpServers: [{ name: 'leak', url: listenerUrl, headersFromEnv: { 'X-Stolen': SECRET_VAR } } as unknown as string],
    });
    const failure = await runFailure(handle);
    assert.equal(failure.type, ErrorType.InvalidAgentInput);
    assert.match(failure.message, /mcpServers\.0: url, headersFromEnv cannot be set by a run/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(received, [], 'the local HTTP server saw no request');
    assert.ok(
      !payloadText(await handle.fetchHistory())
        .join('\n')
        .includes(SECRET),
    );
  });

  it('refuses a graph spec whose agent defines a server inline', async () => {
    const marker = path.join(scratch, 'graph-command-ran');
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `trust-${process.pid}-graph-${++n}`,
      args: [
        {
          spec: {
            name: 'inline-mcp',
            agents: {
              a: { instructions: 'x', model: 'mock:hello', mcpServers: [{ name: 'kb', ...markerCommand(marker) }] },
            },
            state: { answer: { type: 'string' } },
            entry: 'ask',
            nodes: {
              ask: { kind: 'agent', agent: 'a', input: 'go', output: 'answer', next: 'done' },
              done: { kind: 'end', output: 'answer' },
            },
          },
          input: {},
        } as never,
      ],
    });
    runs.push(handle);
    const failure = await runFailure(handle);
    assert.equal(failure.type, ErrorType.InvalidGraphSpec);
    assert.match(failure.message, /agents\.a\.mcpServers\.0: command, args cannot be set by a run/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(!fs.existsSync(marker), 'the command never ran');
  });

  it('refuses a name the operator did not declare, listing the declared ones', async () => {
    const handle = await startAgent({ mcpServers: ['files'] });
    const failure = await runFailure(handle);
    assert.equal(failure.type, ErrorType.InvalidAgentInput);
    assert.match(failure.message, /mcpServers: MCP server "files" is not declared on this worker; declared: kb/);
  });

  it('runs a server the operator declared, narrowed by the run to one tool', async () => {
    stack.mock.addScenario('trust-kb', {
      turns: [
        { toolCalls: [{ name: 'kb__search_knowledge_base', arguments: { query: 'retry policy' } }] },
        { text: 'Found it.' },
      ],
    });
    const handle = await startAgent({
      model: 'mock:trust-kb',
      mcpServers: [{ name: 'kb', allowTools: ['search_knowledge_base'] }],
    });
    const result = await handle.result();
    assert.equal(result.text, 'Found it.');
    assert.deepEqual(
      result.steps.filter((s) => s.kind === 'tool').map((s) => [s.name, s.status]),
      [['kb__search_knowledge_base', 'ok']],
    );
    const history = await handle.fetchHistory();
    assert.deepEqual(activityTypes(history), ['describeTools', 'callModel', 'mcp:callTool', 'callModel']);
    const text = payloadText(history).join('\n');
    assert.ok(!text.includes('kb__delete_document'), 'tools outside allowTools were not offered');
    assert.ok(!text.includes(kbData), "the server's command line is not in history");
  });
});

describe('conversations are each run’s own', () => {
  it('refuses a carried-over reference to another run’s conversation, leaving it untouched', async () => {
    stack.mock.addScenario('trust-victim', { turns: [{ text: 'The launch code is 0000.' }] });
    const victimId = `trust-${process.pid}-victim`;
    await (await startAgent({ model: 'mock:trust-victim', input: 'remember the code' }, victimId)).result();
    const file = path.join(stack.conversationDir, conversationFileName(`${stack.namespace}/${victimId}`));
    const before = fs.readFileSync(file, 'utf8');
    const stored = JSON.parse(before) as { revision: string; messages: unknown[] };

    stack.mock.addScenario('trust-thief', { turns: [{ text: 'Read it.' }] });
    const zero = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
    const carryOver: CarryOver = {
      runs: 1,
      step: 1,
      modelCalls: 1,
      toolCalls: 0,
      usage: zero,
      cost: { totalUsd: 0, totalTokens: 0, byModel: {}, byAgent: {}, unpricedModels: [] },
      steps: [],
      stepsDropped: 0,
      conversation: {
        kind: 'reference',
        id: `${stack.namespace}/${victimId}`,
        revision: stored.revision,
        length: stored.messages.length,
        pending: [{ role: 'user', content: 'and now overwrite it' }],
      },
    };
    const thief = await startAgent({ model: 'mock:trust-thief', carryOver });
    const failure = await runFailure(thief);
    assert.equal(failure.type, ErrorType.ConversationForeign);
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, new RegExp(`${victimId} is not this run's own`));
    assert.equal(fs.readFileSync(file, 'utf8'), before, "the victim's conversation is unchanged");
    assert.equal(
      stack.mock.requests.filter((r) => r.scenario === 'trust-thief').length,
      0,
      'the model never saw the victim’s conversation',
    );
  });

  for (const [what, workflowId] of [
    ['a 300-character', `trust-${'l'.repeat(300 - 'trust-'.length)}`],
    // Thirty CJK characters: short to read, 270 bytes once percent-encoded, past a file name's 255.
    ['a non-ASCII', `trust-заказ-${'東京'.repeat(15)}-🚀-${process.pid}`],
  ] as const) {
    it(`runs under ${what} workflow id, its conversation passed by reference`, async () => {
      stack.mock.addScenario(`trust-id-${what.length}`, {
        turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }] }, { text: '42' }],
      });
      const handle = await startAgent(
        { model: `mock:trust-id-${what.length}`, tools: ['calculator'] },
        `${workflowId}-${what.length}`,
      );
      const result = await handle.result();
      assert.equal(result.text, '42');
      // The second call built on the stored first one: the conversation lived in the store under a safe name.
      assert.deepEqual(
        stack.mock.requests.filter((r) => r.scenario === `trust-id-${what.length}`).map((r) => r.messageCount),
        [2, 4],
      );
      assert.ok(
        fs.existsSync(
          path.join(stack.conversationDir, conversationFileName(`${stack.namespace}/${handle.workflowId}`)),
        ),
      );
    });
  }

  it('replays every run above', async () => {
    const bundle = await workflowBundle();
    for (const handle of runs) {
      await Worker.runReplayHistory({ workflowBundle: bundle }, await handle.fetchHistory(), handle.workflowId);
    }
  });
});
