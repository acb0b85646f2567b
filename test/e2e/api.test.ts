/**
 * The HTTP API against a real dev server, worker and mock LLM, through a real HTTP client (fetch): idempotent
 * starts, an SSE client following a graph whose child raises an approval across a reconnect with Last-Event-ID,
 * decisions over HTTP (signed for the key's name), every refusal's status and code, the rate limit, the result
 * long poll, retry of a failed run, and the OpenAPI document: valid, and matching every response seen here.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies of many shapes are read field by field here;
   the last test validates every one of them against the OpenAPI document. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createAgentClient, type AgentClient } from '../../src/client';
import type { GraphSpecInput } from '../../src/contracts/graph-spec';
import { createApiServer } from '../../src/servers/api/app';
import { hashApiKey, type ApiKey } from '../../src/servers/api/auth';
import { agentctlEnv, spawnAgentctl } from '../helpers/agentctl';
import { readSse, type SseEvent } from '../helpers/sse';
import { checkResponsesAgainstDocument, type SeenResponse } from '../helpers/openapi-responses';
import { useTestStack } from '../helpers/stack';

const SECRET = 'api-test-approval-secret-0123456789';
const keys: ApiKey[] = [
  {
    name: 'ann',
    sha256: hashApiKey('ann-key-0123456789abcdef'),
    scopes: ['runs:start', 'runs:read', 'approvals:decide'],
  },
  { name: 'reader', sha256: hashApiKey('reader-key-0123456789abcdef'), scopes: ['runs:read'] },
];
const ANN = { authorization: 'Bearer ann-key-0123456789abcdef' };
const READER = { authorization: 'Bearer reader-key-0123456789abcdef' };

let client: AgentClient;
let app: FastifyInstance;
let base: string;
let n = 0;
const stack = useTestStack({ approvalSecret: SECRET }, async (s) => {
  client = createAgentClient({ client: s.client, taskQueue: s.taskQueue, approvalSecret: SECRET });
  app = await createApiServer({
    client,
    keys,
    limits: { bodyLimitBytes: 64 * 1024 },
    pollIntervalMs: 100,
    heartbeatMs: 500,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await app?.close();
});

/** Every response the tests saw, checked against the OpenAPI document at the end. */
const seen: SeenResponse[] = [];

async function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as Record<string, any>) : {};
  seen.push({ method, path: path.split('?')[0] as string, status: response.status, body: json });
  return { status: response.status, body: json, headers: response.headers };
}

const codeOf = (r: { body: Record<string, any> }) => r.body.error?.code as string | undefined;

describe('HTTP API', () => {
  it('two POSTs with one Idempotency-Key start one run, also after it ended', async () => {
    const headers = { ...ANN, 'idempotency-key': `order-${process.pid}-${++n}` };
    const body = {
      agent: 'research-assistant',
      model: 'mock:research-assistant',
      input: 'How much is premium for 3 seats?',
    };
    const [first, second] = await Promise.all([
      call('POST', '/v1/runs', { headers, body }),
      call('POST', '/v1/runs', { headers, body }),
    ]);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(second.status, 202, JSON.stringify(second.body));
    assert.equal(first.body.workflowId, second.body.workflowId);
    assert.equal(first.body.runId, second.body.runId);
    assert.match(first.body.workflowId, /^api-[0-9a-f]{32}$/);
    assert.equal(first.body.links.events, `/v1/runs/${first.body.workflowId}/events`);
    const done = await call('GET', `${first.body.links.result}?wait=30s`, { headers: ANN });
    assert.equal(done.status, 200);
    assert.equal(done.body.outcome, 'completed');
    const third = await call('POST', '/v1/runs', { headers, body });
    assert.equal(third.status, 202);
    assert.equal(third.body.existing, true);
    assert.equal(third.body.runId, first.body.runId);
    // Another key with the same header value gets its own run.
    const history = await client.temporal.workflow.getHandle(first.body.workflowId).fetchHistory();
    assert.equal(history.events?.filter((e) => e.workflowExecutionStartedEventAttributes).length, 1);
  });

  it('SSE follows a graph whose child asks for approval, across a reconnect with Last-Event-ID, to the end', async () => {
    stack.mock.addScenario('api-child', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'api/child.md', content: 'from the child' } }] },
        { text: 'filed it' },
      ],
    });
    const spec: GraphSpecInput = {
      name: 'api-child-gate',
      agents: {
        clerk: {
          instructions: 'File it.',
          model: 'mock:api-child',
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
    const { workflowId } = started.body;
    const events: SseEvent[] = [];

    // First connection: read one event, then go away mid-run.
    const abort = new AbortController();
    const firstResponse = await fetch(`${base}/v1/runs/${workflowId}/events`, { headers: ANN, signal: abort.signal });
    assert.equal(firstResponse.status, 200);
    assert.match(firstResponse.headers.get('content-type') ?? '', /text\/event-stream/);
    for await (const event of readSse(firstResponse)) {
      events.push(event);
      break;
    }
    abort.abort();
    assert.equal(events.length, 1);

    // Reconnect after the last id received; decide over HTTP when the child's approval shows.
    const resumed = await fetch(`${base}/v1/runs/${workflowId}/events`, {
      headers: { ...ANN, 'last-event-id': events.at(-1)?.id as string },
    });
    let decided: Record<string, any> | undefined;
    for await (const event of readSse(resumed)) {
      events.push(event);
      if (event.event === 'approval.requested') {
        const approvalId = (event.data as { approval: { approvalId: string } }).approval.approvalId;
        assert.equal(approvalId, 'clerk-1/step-1-call-1');
        // An approval id may hold a slash (a child's), so it travels URL-encoded as one path segment.
        const path = `/v1/runs/${workflowId}/approvals/${encodeURIComponent(approvalId)}`;
        const badArgs = await call('POST', path, { headers: ANN, body: { decision: 'approve', args: { path: 42 } } });
        assert.equal(badArgs.status, 422, JSON.stringify(badArgs.body));
        assert.equal(codeOf(badArgs), 'INVALID_ARGUMENTS');
        const unknown = await call(
          'POST',
          `/v1/runs/${workflowId}/approvals/${encodeURIComponent('clerk-1/step-9-call-9')}`,
          {
            headers: ANN,
            body: { decision: 'approve' },
          },
        );
        assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
        assert.equal(codeOf(unknown), 'UNKNOWN_APPROVAL');
        const noScope = await call('POST', path, { headers: READER, body: { decision: 'approve' } });
        assert.equal(noScope.status, 403);
        assert.equal(codeOf(noScope), 'FORBIDDEN');
        const ok = await call('POST', path, { headers: ANN, body: { decision: 'approve', comment: 'fine' } });
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.by, 'ann');
        decided = ok.body;
        const again = await call('POST', path, { headers: ANN, body: { decision: 'approve' } });
        assert.equal(again.status, 409, JSON.stringify(again.body));
        assert.ok(
          ['APPROVAL_ALREADY_DECIDED', 'APPROVAL_NO_LONGER_PENDING'].includes(codeOf(again) ?? ''),
          codeOf(again),
        );
      }
    }
    assert.ok(decided, 'the approval was requested and decided');
    const types = events.map((e) => `${(e.data as { child?: { label: string } }).child ? '[child] ' : ''}${e.event}`);
    assert.equal(events.at(-1)?.event, 'run.ended', types.join(', '));
    assert.equal((events.at(-1)?.data as { outcome: { outcome: string } }).outcome.outcome, 'completed');
    assert.ok(types.includes('[child] approval.decided'), types.join(', '));
    assert.ok(types.includes('[child] step.finished'), types.join(', '));
    const ids = events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, `every event once: ${ids.join(' ')}`);

    // Nothing was lost: a fresh stream of the closed run has the same step events, with the same ids.
    const replay: SseEvent[] = [];
    for await (const event of readSse(await fetch(`${base}/v1/runs/${workflowId}/events`, { headers: ANN })))
      replay.push(event);
    const stepIds = (list: SseEvent[]) => list.filter((e) => e.event.startsWith('step.')).map((e) => e.id);
    assert.deepEqual(stepIds(events), stepIds(replay));

    // The decision was signed for the key's name: the worker (which has the secret) accepted it.
    const state = await call('GET', `/v1/runs/${workflowId}`, { headers: READER });
    assert.equal(state.status, 200);
    assert.equal(state.body.status, 'completed');
  });

  it('refuses bad requests with their status and code', async () => {
    const missing = await call('GET', '/v1/runs');
    assert.deepEqual([missing.status, codeOf(missing)], [401, 'UNAUTHENTICATED']);
    const wrong = await call('GET', '/v1/runs', { headers: { authorization: 'Bearer not-a-key-at-all-000000' } });
    assert.deepEqual([wrong.status, codeOf(wrong)], [401, 'UNAUTHENTICATED']);
    const scope = await call('POST', '/v1/runs', { headers: READER, body: { agent: 'research-assistant' } });
    assert.deepEqual([scope.status, codeOf(scope)], [403, 'FORBIDDEN']);
    const big = await call('POST', '/v1/runs', {
      headers: ANN,
      body: { agent: 'research-assistant', input: 'x'.repeat(70_000) },
    });
    assert.deepEqual([big.status, codeOf(big)], [413, 'PAYLOAD_TOO_LARGE']);
    const malformed = await call('POST', '/v1/runs', { headers: ANN, raw: '{"agent": ' });
    assert.deepEqual([malformed.status, codeOf(malformed)], [400, 'MALFORMED_BODY']);
    const invalid = await call('POST', '/v1/runs', {
      headers: ANN,
      body: { agent: 'research-assistant', graph: 'supervisor' },
    });
    assert.deepEqual([invalid.status, codeOf(invalid)], [422, 'INVALID_REQUEST']);
    const path = await call('POST', '/v1/runs', { headers: ANN, body: { agent: '../../etc/passwd' } });
    assert.deepEqual([path.status, codeOf(path)], [422, 'INVALID_REQUEST']);
    const unknownAgent = await call('POST', '/v1/runs', { headers: ANN, body: { agent: 'no-such-agent' } });
    assert.deepEqual([unknownAgent.status, codeOf(unknownAgent)], [422, 'UNKNOWN_AGENT']);
    const badModel = await call('POST', '/v1/runs', {
      headers: ANN,
      body: { agent: 'research-assistant', model: 'nope' },
    });
    assert.deepEqual([badModel.status, codeOf(badModel)], [422, 'INVALID_INPUT']);
    const unknownRun = await call('GET', '/v1/runs/no-such-run', { headers: ANN });
    assert.deepEqual([unknownRun.status, codeOf(unknownRun)], [404, 'RUN_NOT_FOUND']);
    const unknownEvents = await call('GET', '/v1/runs/no-such-run/events', { headers: ANN });
    assert.deepEqual([unknownEvents.status, codeOf(unknownEvents)], [404, 'RUN_NOT_FOUND']);
    assert.ok(!JSON.stringify(seen).includes('    at '), 'no stack trace in any answer');
  });

  it('lists runs with cursor pagination and lists the catalog', async () => {
    const first = await call('GET', '/v1/runs?limit=1', { headers: READER });
    assert.equal(first.status, 200);
    assert.equal(first.body.runs.length, 1);
    assert.ok(first.body.nextCursor, 'more than one run, so a cursor');
    const second = await call('GET', `/v1/runs?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, {
      headers: READER,
    });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.runs[0].workflowId, first.body.runs[0].workflowId);
    const agents = await call('GET', '/v1/agents', { headers: READER });
    assert.ok(agents.body.agents.some((a: { name: string }) => a.name === 'research-assistant'));
    const graphs = await call('GET', '/v1/graphs', { headers: READER });
    assert.ok(graphs.body.graphs.some((g: { name: string }) => g.name === 'supervisor'));
    assert.equal((await call('GET', '/healthz')).status, 200);
    const ready = await call('GET', '/readyz');
    assert.equal(ready.status, 200);
  });

  it('long-polls a result: 202 while running, 200 with the result when done', async () => {
    const started = await call('POST', '/v1/runs', {
      headers: ANN,
      body: { agent: 'research-assistant', model: 'mock:slow', input: 'wait' },
    });
    assert.equal(started.status, 202);
    const early = await call('GET', `${started.body.links.result}?wait=500ms`, { headers: READER });
    assert.equal(early.status, 202);
    assert.equal(early.body.status, 'running');
    const done = await call('GET', `${started.body.links.result}?wait=30s`, { headers: READER });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.outcome, 'completed');
  });

  it('retries a failed run and says how; cancels a running one', async () => {
    const started = await call('POST', '/v1/runs', {
      headers: ANN,
      body: { agent: 'research-assistant', model: 'mock:auth-failed', input: 'fail' },
    });
    const failed = await call('GET', `${started.body.links.result}?wait=30s`, { headers: READER });
    assert.equal(failed.status, 200);
    assert.equal(failed.body.outcome, 'failed');
    assert.ok(failed.body.error.message);
    const retried = await call('POST', `/v1/runs/${started.body.workflowId}/retry`, { headers: ANN });
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    assert.equal(retried.body.mode, 'fork');
    assert.equal(retried.body.fromStep, 1);
    assert.notEqual(retried.body.runId, retried.body.previousRunId);
    const running = await call('POST', `/v1/runs/${retried.body.workflowId}/retry`, { headers: ANN });
    assert.ok([202, 409].includes(running.status));

    // agentctl retry is the same client method: the fork above failed again, so it is retried once more.
    await client.outcome(started.body.workflowId);
    const cli = await spawnAgentctl(['retry', started.body.workflowId], agentctlEnv(stack)).done;
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /retried .* from step 1 \(fork\)/);

    const slow = await call('POST', '/v1/runs', {
      headers: ANN,
      body: { agent: 'research-assistant', model: 'mock:slow', input: 'x' },
    });
    const cancel = await call('POST', `/v1/runs/${slow.body.workflowId}/cancel`, { headers: ANN });
    assert.equal(cancel.status, 202);
    const cancelled = await call('GET', `${slow.body.links.result}?wait=30s`, { headers: READER });
    assert.equal(cancelled.body.outcome, 'cancelled');
    const retriedCancelled = await call('POST', `/v1/runs/${slow.body.workflowId}/retry`, { headers: ANN });
    assert.equal(retriedCancelled.status, 202, JSON.stringify(retriedCancelled.body));
    const twice = await call('POST', `/v1/runs/${slow.body.workflowId}/cancel`, { headers: ANN });
    assert.ok([202, 409].includes(twice.status));
  });

  it('rate-limits per key with 429', async () => {
    const limited = await createApiServer({ client, keys, limits: { rateLimitMax: 3, rateLimitWindowMs: 60_000 } });
    await limited.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${(limited.server.address() as AddressInfo).port}/v1/agents`;
      const statuses: number[] = [];
      let last: Record<string, any> = {};
      for (let i = 0; i < 4; i++) {
        const r = await fetch(url, { headers: READER });
        statuses.push(r.status);
        last = (await r.json()) as Record<string, any>;
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      assert.equal(last.error.code, 'RATE_LIMITED');
      // Another key has its own budget.
      assert.equal((await fetch(url, { headers: ANN })).status, 200);
    } finally {
      await limited.close();
    }
  });

  it('serves a valid OpenAPI 3.1 document that every response seen here matches', async () => {
    const doc = await call('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    const { Validator } = (await import('@seriousme/openapi-schema-validator')) as {
      Validator: new () => { validate(doc: unknown): Promise<{ valid: boolean; errors?: unknown }> };
    };
    const validator = new Validator();
    const verdict = await validator.validate(structuredClone(doc.body));
    assert.ok(verdict.valid, JSON.stringify(verdict.errors));

    const checked = checkResponsesAgainstDocument(doc.body, seen);
    assert.ok(checked > 30, `checked ${checked} responses`);
  });
});
