/**
 * The routes the agent console reads, against a real dev server, worker and mock LLM, through a real HTTP client
 * (fetch): /v1/me, the run list's new filters (cost range, start time, kind) selecting and excluding runs of
 * known different costs, transcripts of an agent run with a tool call and of a graph with a child, the approvals
 * inbox showing a child's approval and emptying once it is decided, costs by day/agent/model summing to the runs'
 * costs, AgentModel in visibility, static console hosting (CSP, SPA fallback, no traversal, 404 when unbuilt),
 * missing scopes, and every response checked against the OpenAPI document.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read field by field; the last test
   validates every one of them against the OpenAPI document. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createAgentClient, type AgentClient } from '../../src/client';
import { consoleDirFrom } from '../../src/config/api';
import type { GraphSpecInput } from '../../src/contracts/graph-spec';
import { agentCostUsdKey } from '../../src/contracts/search-attributes';
import { createApiServer } from '../../src/servers/api/app';
import { hashApiKey, type ApiKey } from '../../src/servers/api/auth';
import { CONSOLE_CSP } from '../../src/servers/api/routes/console';
import { checkResponsesAgainstDocument, type SeenResponse } from '../helpers/openapi-responses';
import { useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const SECRET = 'console-api-test-approval-secret-0123';
const keys: ApiKey[] = [
  {
    name: 'ann',
    sha256: hashApiKey('ann-key-0123456789abcdef'),
    scopes: ['runs:start', 'runs:read', 'approvals:decide'],
  },
  { name: 'decider', sha256: hashApiKey('decider-key-0123456789abcdef'), scopes: ['approvals:decide'] },
];
const ANN = { authorization: 'Bearer ann-key-0123456789abcdef' };
const DECIDER = { authorization: 'Bearer decider-key-0123456789abcdef' };

const consoleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-console-'));
fs.mkdirSync(path.join(consoleDir, 'site'));
const site = path.join(consoleDir, 'site');
fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>console</title><script src="/console/app.js">');
fs.writeFileSync(path.join(site, 'app.js'), 'export const console_app = 1;\n');
// Beside the served folder, never inside it: no request may reach it.
fs.writeFileSync(path.join(consoleDir, 'secret.txt'), 'do-not-serve-this');

let client: AgentClient;
let app: FastifyInstance;
let base: string;
const stack = useTestStack({ approvalSecret: SECRET }, async (s) => {
  client = createAgentClient({ client: s.client, taskQueue: s.taskQueue, approvalSecret: SECRET });
  app = await createApiServer({ client, keys, pollIntervalMs: 100, consoleDir: site });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await app?.close();
  fs.rmSync(consoleDir, { recursive: true, force: true });
});

/** Every JSON response the tests saw on documented routes, checked against the OpenAPI document at the end. */
const seen: SeenResponse[] = [];

async function call(method: string, url: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const body = options.body !== undefined ? JSON.stringify(options.body) : undefined;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${url}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as Record<string, any>) : {};
  seen.push({ method, path: url.split('?')[0] as string, status: response.status, body: json });
  return { status: response.status, body: json };
}

const get = (url: string, headers: Record<string, string> = ANN) => call('GET', url, { headers });

async function startAndFinish(body: Record<string, unknown>): Promise<string> {
  const started = await call('POST', '/v1/runs', { headers: ANN, body });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const done = await get(`/v1/runs/${started.body.workflowId}/result?wait=30s`);
  assert.equal(done.body.outcome, 'completed', JSON.stringify(done.body));
  return started.body.workflowId as string;
}

const agentSpec = (name: string, model: string, tools: string[] = []) => ({
  name,
  description: `${name} for the console API test`,
  instructions: 'Answer briefly.',
  model,
  tools,
});

const testStart = new Date();
const runs: Record<string, string> = {};

describe('console API routes', () => {
  it('GET /v1/me names the key and its scopes; every new route refuses a key without runs:read', async () => {
    const me = await get('/v1/me');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { name: 'ann', scopes: ['runs:start', 'runs:read', 'approvals:decide'] });
    const decider = await get('/v1/me', DECIDER);
    assert.deepEqual(decider.body, { name: 'decider', scopes: ['approvals:decide'] });
    const anonymous = await fetch(`${base}/v1/me`);
    assert.equal(anonymous.status, 401);
    for (const url of ['/v1/runs?kind=agent', '/v1/runs/some-run/transcript', '/v1/approvals', '/v1/costs?days=3']) {
      const refused = await get(url, DECIDER);
      assert.equal(refused.status, 403, url);
      assert.equal(refused.body.error.code, 'FORBIDDEN', url);
    }
  });

  it('filters runs by cost range, start time and kind, selecting and excluding runs', async () => {
    // Known, different costs: mock models are priced like gpt-4o-mini ($0.15 per million input tokens).
    stack.mock.addScenario('console-cheap', {
      turns: [{ text: 'cheap answer', usage: { input: 1_000_000, output: 0, cached: 0 } }],
    });
    stack.mock.addScenario('console-dear', {
      turns: [{ text: 'dear answer', usage: { input: 10_000_000, output: 0, cached: 0 } }],
    });
    stack.mock.addScenario('console-graph-llm', {
      turns: [{ text: '{"summary":"graph summary"}', usage: { input: 1000, output: 10, cached: 0 } }],
    });
    runs.cheap = await startAndFinish({ spec: agentSpec('console-cheap', 'mock:console-cheap'), input: 'q1' });
    runs.dear = await startAndFinish({ spec: agentSpec('console-dear', 'mock:console-dear'), input: 'q2' });
    const graph: GraphSpecInput = {
      name: 'console-llm-graph',
      state: { topic: { type: 'string' }, summary: { type: 'string' } },
      entry: 'summarize',
      nodes: {
        summarize: {
          kind: 'llm',
          model: 'mock:console-graph-llm',
          instructions: 'Summarize.',
          input: '{{topic}}',
          outputSchema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
          next: 'done',
        },
        done: { kind: 'end', output: 'summary' },
      },
    };
    runs.graph = await startAndFinish({ spec: graph, input: { topic: 'costs' } });

    const ids = async (query: string): Promise<string[]> => {
      const list = await get(`/v1/runs?limit=100&${query}`);
      assert.equal(list.status, 200, JSON.stringify(list.body));
      return (list.body.runs as { workflowId: string }[]).map((r) => r.workflowId);
    };
    // Visibility catches up with the last upsert a moment after the result.
    await waitFor('the costs in visibility', async () => (await ids('minCostUsd=1')).includes(runs.dear as string));
    const dearOnly = await ids('minCostUsd=1');
    assert.ok(!dearOnly.includes(runs.cheap as string));
    await waitFor('the cheap cost in visibility', async () =>
      (await ids('minCostUsd=0.1&maxCostUsd=0.5')).includes(runs.cheap as string),
    );
    assert.ok(!(await ids('minCostUsd=0.1&maxCostUsd=0.5')).includes(runs.dear as string));

    const list = await get('/v1/runs?limit=100');
    const summary = (id: string) => (list.body.runs as any[]).find((r) => r.workflowId === id);
    for (const field of ['workflowId', 'runId', 'workflowType', 'status', 'awaitingApproval', 'agent', 'startTime']) {
      assert.ok(field in summary(runs.dear as string), field);
    }
    assert.ok(
      Math.abs(summary(runs.dear as string).costUsd - 1.5) < 1e-9,
      JSON.stringify(summary(runs.dear as string)),
    );

    const dearStart = summary(runs.dear as string).startTime as string;
    const since = await ids(`startedAfter=${encodeURIComponent(dearStart)}`);
    assert.ok(since.includes(runs.dear as string) && since.includes(runs.graph as string));
    assert.ok(!since.includes(runs.cheap as string));
    const before = await ids(`startedBefore=${encodeURIComponent(dearStart)}`);
    assert.ok(before.includes(runs.cheap as string));
    assert.ok(!before.includes(runs.dear as string));
    assert.deepEqual(await ids(`startedBefore=${encodeURIComponent(testStart.toISOString())}`), []);

    const graphs = await ids('kind=graph');
    assert.ok(graphs.includes(runs.graph as string) && !graphs.includes(runs.cheap as string));
    const agents = await ids('kind=agent');
    assert.ok(agents.includes(runs.cheap as string) && !agents.includes(runs.graph as string));

    for (const bad of [
      'minCostUsd=abc',
      'maxCostUsd=-1',
      'startedAfter=yesterday',
      "startedAfter=2026-01-01'%20OR%20'1",
      'kind=eval',
    ]) {
      const refused = await get(`/v1/runs?${bad}`);
      assert.equal(refused.status, 422, bad);
      assert.equal(refused.body.error.code, 'INVALID_REQUEST', bad);
    }
  });

  it('the transcript of a graph shows its llm node’s structured answer and the routing taken', async () => {
    const t = await get(`/v1/runs/${runs.graph}/transcript`);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const models = (t.body.items as any[]).filter((i) => i.kind === 'model');
    assert.equal(models.length, 1, JSON.stringify(t.body.items));
    assert.equal(models[0].model, 'mock:console-graph-llm');
    assert.deepEqual(models[0].structured, { summary: 'graph summary' });
    assert.deepEqual(
      (t.body.routing as any[]).map((r) => [r.from, r.to]),
      [['summarize', 'done']],
    );
  });

  it('AgentModel is in visibility: a query by model finds the run', async () => {
    const found: string[] = [];
    for await (const info of client.temporal.workflow.list({ query: `AgentModel="mock:console-cheap"` })) {
      found.push(info.workflowId);
    }
    assert.deepEqual(found, [runs.cheap]);
    const graphRuns: string[] = [];
    for await (const info of client.temporal.workflow.list({ query: `AgentModel="mock:console-graph-llm"` })) {
      graphRuns.push(info.workflowId);
    }
    assert.deepEqual(graphRuns, [runs.graph]);
  });

  it('the transcript of an agent run shows the model text, the tool call with arguments and result, usage and cost', async () => {
    stack.mock.addScenario('console-tool', {
      turns: [
        {
          toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }],
          usage: { input: 2000, output: 40, cached: 0 },
        },
        { text: 'The answer is 42.', usage: { input: 3000, output: 20, cached: 0 } },
      ],
    });
    const id = await startAndFinish({
      spec: agentSpec('console-tool', 'mock:console-tool', ['calculator']),
      input: 'What is 6*7?',
    });
    const t = await get(`/v1/runs/${id}/transcript`);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.workflowType, 'agentWorkflow');
    assert.equal(t.body.agent, 'console-tool');
    assert.equal(t.body.model, 'mock:console-tool');
    assert.equal(t.body.instructions, 'Answer briefly.');
    assert.equal(t.body.input, 'What is 6*7?');
    const kinds = (t.body.items as any[]).map((i) => i.kind);
    assert.deepEqual(kinds, ['model', 'tool', 'model']);
    const [first, tool, last] = t.body.items as any[];
    assert.equal(first.step, 1);
    assert.equal(first.toolCalls[0].name, 'calculator');
    assert.deepEqual(JSON.parse(first.toolCalls[0].arguments), { expression: '6*7' });
    assert.equal(first.usage.inputTokens, 2000);
    assert.ok(Math.abs(first.costUsd - (2000 * 0.15 + 40 * 0.6) / 1e6) < 1e-12, String(first.costUsd));
    assert.equal(first.attempt, 1);
    assert.ok(first.durationMs >= 0 && first.endedAt);
    assert.equal(tool.name, 'calculator');
    assert.equal(tool.step, 1);
    assert.equal(tool.toolCallId, first.toolCalls[0].id);
    assert.deepEqual(JSON.parse(tool.arguments), { expression: '6*7' });
    assert.match(tool.result, /42/);
    assert.equal(last.step, 2);
    assert.equal(last.text, 'The answer is 42.');
    assert.equal(last.usage.outputTokens, 20);
    assert.deepEqual(t.body.children, []);

    const missing = await get('/v1/runs/no-such-run/transcript');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'RUN_NOT_FOUND');
  });

  it('the transcript shows a refused model call and context management’s summary call', async () => {
    const id = await startAndFinish({
      spec: {
        ...agentSpec('console-summarize', 'mock:context-length-summarize', ['calculator']),
        instructions: 'You add numbers.',
        context: { strategy: 'summarize' },
      },
      input: 'Add 1+1, 2+2 and 3+3.',
    });
    const t = await get(`/v1/runs/${id}/transcript`);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const models = (t.body.items as any[]).filter((i) => i.kind === 'model');
    const refused = models.find((m) => m.error);
    assert.match(refused?.error ?? '', /ContextLength/, JSON.stringify(models));
    const summary = models.find((m) => m.purpose === 'summary');
    assert.equal(summary?.text, 'The agent added 1 + 1 and 2 + 2 so far.', JSON.stringify(models));
    assert.ok(summary.usage && summary.costUsd > 0);
    assert.equal(models.at(-1).text, 'All added.');
    assert.equal((t.body.items as any[]).filter((i) => i.kind === 'tool').length, 3);
  });

  it('the approvals inbox shows a child’s approval, deciding it empties the inbox, and the transcripts show the tree', async () => {
    stack.mock.addScenario('console-child', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'console/child.md', content: 'from the child' } }] },
        { text: 'filed it' },
      ],
    });
    const spec: GraphSpecInput = {
      name: 'console-child-gate',
      agents: {
        clerk: {
          instructions: 'File it.',
          model: 'mock:console-child',
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
        },
      },
      state: { topic: { type: 'string' }, report: { type: 'string' } },
      entry: 'file',
      nodes: {
        file: { kind: 'agent', agent: 'clerk', input: 'file the report', output: 'report', next: 'done' },
        done: { kind: 'end', output: 'report' },
      },
    };
    const started = await call('POST', '/v1/runs', { headers: ANN, body: { spec, input: 'quarterly' } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const graphId = started.body.workflowId as string;

    let entry: any;
    await waitFor('the child’s approval in the inbox', async () => {
      const inbox = await get('/v1/approvals');
      assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
      entry = (inbox.body.approvals as any[]).find((a) => a.workflowId === graphId);
      return entry !== undefined;
    });
    const inbox = await get('/v1/approvals');
    assert.equal(inbox.body.truncated, false);
    // Shown once, where it is decided (the graph), not again at the child.
    const forThisTree = (inbox.body.approvals as any[]).filter(
      (a) => a.workflowId === graphId || a.workflowId === entry.childWorkflowId,
    );
    assert.equal(forThisTree.length, 1, JSON.stringify(forThisTree));
    assert.equal(entry.what, 'tool write_file');
    assert.ok(entry.why.length > 0);
    assert.deepEqual(JSON.parse(entry.proposed), { path: 'console/child.md', content: 'from the child' });
    assert.match(entry.childWorkflowId, new RegExp(`^${graphId}/`));
    assert.equal(entry.agent, 'console-child-gate');
    assert.ok(entry.runId && entry.requestedAt);
    assert.equal(entry.argumentsSchema.type, 'object');
    assert.ok('path' in entry.argumentsSchema.properties);

    // While it waits, the graph's transcript shows the approval undecided, with what is proposed.
    const waiting = await get(`/v1/runs/${graphId}/transcript`);
    const pendingItem = (waiting.body.items as any[]).find((i) => i.kind === 'approval');
    assert.equal(pendingItem?.approvalId, entry.approvalId, JSON.stringify(waiting.body.items));
    assert.equal(pendingItem.decision, undefined);
    assert.equal(pendingItem.what, 'tool write_file');
    assert.deepEqual(JSON.parse(pendingItem.proposed), { path: 'console/child.md', content: 'from the child' });
    assert.equal(waiting.body.children[0]?.status, 'running');

    const decided = await call('POST', `/v1/runs/${graphId}/approvals/${encodeURIComponent(entry.approvalId)}`, {
      headers: ANN,
      body: { decision: 'approve', comment: 'fine' },
    });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    await waitFor('the inbox to empty', async () => {
      const now = await get('/v1/approvals');
      return !(now.body.approvals as any[]).some(
        (a) => a.workflowId === graphId || a.workflowId === entry.childWorkflowId,
      );
    });
    const done = await get(`/v1/runs/${graphId}/result?wait=30s`);
    assert.equal(done.body.outcome, 'completed', JSON.stringify(done.body));

    const parent = await get(`/v1/runs/${graphId}/transcript`);
    assert.equal(parent.status, 200, JSON.stringify(parent.body));
    assert.equal(parent.body.workflowType, 'graphWorkflow');
    assert.equal(parent.body.agent, 'console-child-gate');
    assert.deepEqual(parent.body.input, { topic: 'quarterly' });
    assert.equal(parent.body.children.length, 1);
    const child = parent.body.children[0];
    assert.equal(child.workflowId, entry.childWorkflowId);
    assert.equal(child.workflowType, 'agentWorkflow');
    assert.equal(child.name, 'clerk');
    assert.equal(child.status, 'completed');
    assert.ok((parent.body.items as any[]).some((i) => i.kind === 'child' && i.workflowId === child.workflowId));
    const approval = (parent.body.items as any[]).find((i) => i.kind === 'approval');
    assert.equal(approval?.decision, 'approved', JSON.stringify(parent.body.items));
    assert.equal(approval.by, 'ann');
    assert.ok(Array.isArray(parent.body.routing) && parent.body.routing.some((r: any) => r.from === 'file'));

    const childTranscript = await get(`/v1/runs/${encodeURIComponent(child.workflowId)}/transcript`);
    assert.equal(childTranscript.status, 200, JSON.stringify(childTranscript.body));
    const tool = (childTranscript.body.items as any[]).find((i) => i.kind === 'tool');
    assert.equal(tool.name, 'write_file');
    assert.ok(tool.result !== undefined, JSON.stringify(tool));
    runs.childGraph = graphId;
  });

  it('costs by day, agent and model sum to the runs’ costs', async () => {
    const costs = await get('/v1/costs?days=2');
    assert.equal(costs.status, 200, JSON.stringify(costs.body));
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(costs.body.to, today);
    assert.equal(costs.body.truncated, false);
    assert.equal(costs.body.from, new Date(Date.parse(today) - 86_400_000).toISOString().slice(0, 10));
    const rows = costs.body.rows as any[];
    for (const [name, model, id] of [
      ['console-cheap', 'mock:console-cheap', runs.cheap],
      ['console-dear', 'mock:console-dear', runs.dear],
      ['console-llm-graph', 'mock:console-graph-llm', runs.graph],
    ] as const) {
      const mine = rows.filter((r) => r.agent === name);
      assert.equal(mine.length, 1, JSON.stringify(rows));
      assert.equal(mine[0].model, model);
      assert.equal(mine[0].runs, 1);
      const description = await client.describe(id as string);
      assert.equal(mine[0].day, description.startTime.toISOString().slice(0, 10));
      const expected = description.typedSearchAttributes.get(agentCostUsdKey) as number;
      assert.ok(Math.abs(mine[0].costUsd - expected) < 1e-9, `${name}: ${mine[0].costUsd} vs ${expected}`);
    }
    // The graph's child is counted in the graph's cost, not again on its own.
    assert.ok(!rows.some((r) => r.agent === 'clerk'), JSON.stringify(rows));
    const total = rows.reduce((sum, r) => sum + r.costUsd, 0);
    const expectedTotal = (await client.list({ limit: 100 }))
      .filter((r) => !r.workflowId.includes('/'))
      .reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
    assert.ok(Math.abs(total - expectedTotal) < 1e-9, `${total} vs ${expectedTotal}`);

    const one = await get('/v1/costs?days=2&agent=console-dear');
    assert.deepEqual(
      (one.body.rows as any[]).map((r) => r.agent),
      ['console-dear'],
    );
    for (const bad of ['days=0', 'days=91', 'days=x', "agent=a'b"]) {
      const refused = await get(`/v1/costs?${bad}`);
      assert.equal(refused.status, 422, bad);
    }
  });

  it('serves the built console under /console with a strict CSP, SPA fallback, no traversal; 404 when unbuilt', async () => {
    const index = await fetch(`${base}/console/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-security-policy'), CONSOLE_CSP);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await index.text(), /<title>console<\/title>/);
    const bare = await fetch(`${base}/console`);
    assert.equal(bare.status, 200);
    assert.match(await bare.text(), /<title>console<\/title>/);
    const script = await fetch(`${base}/console/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.equal(script.headers.get('content-security-policy'), CONSOLE_CSP);
    assert.equal(await script.text(), 'export const console_app = 1;\n');
    const route = await fetch(`${base}/console/runs/some-run/transcript`);
    assert.equal(route.status, 200);
    assert.match(await route.text(), /<title>console<\/title>/);
    assert.equal((await fetch(`${base}/console/missing.js`)).status, 404);
    for (const attempt of [
      '/console/..%2fsecret.txt',
      '/console/..%2f..%2fsecret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/a/..%2f..%2fsecret.txt',
    ]) {
      const r = await fetch(`${base}${attempt}`);
      const text = await r.text();
      assert.equal(r.status, 404, attempt);
      assert.ok(!text.includes('do-not-serve-this'), attempt);
    }

    // AGENT_CONSOLE_DIR wins (and must hold index.html); else the package's dist/console when built there.
    assert.equal(consoleDirFrom({ AGENT_CONSOLE_DIR: site }, '/nowhere'), site);
    assert.throws(() => consoleDirFrom({ AGENT_CONSOLE_DIR: consoleDir }, '/nowhere'), /holds no index\.html/);
    assert.equal(consoleDirFrom({}, site), site);
    assert.equal(consoleDirFrom({}, path.join(consoleDir, 'not-built')), undefined);

    const unbuilt = await createApiServer({ client, keys });
    await unbuilt.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${(unbuilt.server.address() as AddressInfo).port}`;
      for (const p of ['/console', '/console/runs/x']) {
        const r = await fetch(`${url}${p}`);
        assert.equal(r.status, 404);
        const body = (await r.json()) as any;
        assert.equal(body.error.code, 'CONSOLE_NOT_BUILT');
        assert.match(body.error.message, /npm run build:console/);
      }
    } finally {
      await unbuilt.close();
    }
  });

  it('documents the new routes in the OpenAPI document, and every response seen here matches it', async () => {
    const doc = await get('/openapi.json');
    assert.equal(doc.status, 200);
    for (const p of ['/v1/me', '/v1/runs/{id}/transcript', '/v1/approvals', '/v1/costs']) {
      assert.ok(doc.body.paths[p]?.get, `${p} is documented`);
    }
    const listParams = (doc.body.paths['/v1/runs'].get.parameters as any[]).map((p) => p.name);
    for (const name of ['kind', 'minCostUsd', 'maxCostUsd', 'startedAfter', 'startedBefore']) {
      assert.ok(listParams.includes(name), name);
    }
    const checked = checkResponsesAgainstDocument(doc.body, seen);
    assert.ok(checked > 20, `checked ${checked} responses`);
  });
});
