/**
 * Live model text on the HTTP API's SSE stream, against a real dev server, a worker streaming from the mock LLM
 * into an in-process token broker, and an API app whose client shares that broker, read with fetch: token events
 * arrive before `run.ended`, carry no SSE id (Last-Event-ID stays on run events), and spell the run's final
 * answer; `?tokens=false` leaves them out; a broker that fails is logged and the run events go on.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createAgentClient } from '../../src/client';
import { createApiServer } from '../../src/servers/api/app';
import { hashApiKey } from '../../src/servers/api/auth';
import type { TokenBroker } from '../../src/streaming/broker';
import { createInProcessTokenBroker } from '../../src/streaming/in-process';
import { readSse, type SseEvent } from '../helpers/sse';
import { useTestStack } from '../helpers/stack';

const KEY = 'tokens-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${KEY}` };
const broker = createInProcessTokenBroker();

// A broker whose subscriptions fail, as a PostgreSQL broker does when its database is unreachable.
const broken: TokenBroker = {
  startAttempt: (call, attempt) => broker.startAttempt(call, attempt),
  subscribe: () => Promise.reject(new Error('token database unreachable')),
  close: async () => undefined,
};
const warnings: string[] = [];

let app: FastifyInstance;
let brokenApp: FastifyInstance;
let base: string;
let brokenBase: string;

async function api(tokens: TokenBroker, logger?: pino.Logger): Promise<[FastifyInstance, string]> {
  const server = await createApiServer({
    client: createAgentClient({ client: stack.client, taskQueue: stack.taskQueue, tokens }),
    keys: [{ name: 'tok', sha256: hashApiKey(KEY), scopes: ['runs:start', 'runs:read'] }],
    limits: { bodyLimitBytes: 64 * 1024 },
    pollIntervalMs: 100,
    heartbeatMs: 500,
    ...(logger ? { logger } : {}),
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  return [server, `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`];
}

const stack = useTestStack({ extra: { tokens: broker } }, async () => {
  [app, base] = await api(broker);
  [brokenApp, brokenBase] = await api(broken, pino({ level: 'warn' }, { write: (line) => warnings.push(line) }));
});
after(async () => {
  await app?.close();
  await brokenApp?.close();
  await broker.close();
});

// Sixty words, one streamed piece each, 40 ms apart: the call is still writing when the SSE client subscribes.
const story = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') + '.';

async function startRun(scenario: string): Promise<string> {
  stack.mock.addScenario(scenario, { turns: [{ text: story, chunkDelayMs: 40 }] });
  const response = await fetch(`${base}/v1/runs`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ agent: 'research-assistant', model: `mock:${scenario}`, input: 'tell it' }),
  });
  const body = (await response.json()) as { workflowId: string };
  assert.equal(response.status, 202, JSON.stringify(body));
  return body.workflowId;
}

/** Every SSE event of the run's stream until the server ends it (after run.ended). */
async function readAll(path: string, from = base): Promise<SseEvent[]> {
  const response = await fetch(`${from}${path}`, { headers: AUTH, signal: AbortSignal.timeout(60_000) });
  assert.equal(response.status, 200);
  const events: SseEvent[] = [];
  for await (const event of readSse(response)) events.push(event);
  return events;
}

describe('HTTP API live tokens', () => {
  it('multiplexes token events without ids before run.ended, spelling the final answer', async () => {
    const id = await startRun(`api-tokens-${process.pid}`);
    const events = await readAll(`/v1/runs/${id}/events`);
    const ended = events.findIndex((e) => e.event === 'run.ended');
    assert.ok(ended >= 0, `run.ended among ${events.map((e) => e.event).join(',')}`);
    assert.equal(ended, events.length - 1, 'run.ended is the last event');
    const tokens = events.filter((e) => e.event.startsWith('token'));
    assert.ok(
      tokens.some((e) => e.event === 'token'),
      'text arrived',
    );
    assert.ok(
      tokens.every((e) => e.id === undefined),
      'token events carry no id line',
    );
    assert.ok(
      events.filter((e) => !e.event.startsWith('token')).every((e) => e.id !== undefined),
      'run events keep their ids',
    );
    // Keep the text of the latest attempt of each call, as a subscriber must.
    const calls = new Map<string, string>();
    for (const e of tokens) {
      const data = e.data as { type: string; callId: string; text?: string; offset?: number };
      assert.equal(data.type, e.event, 'the SSE event name is the token event type');
      if (data.type === 'token.attempt') calls.set(data.callId, '');
      if (data.type === 'token') {
        const text = calls.get(data.callId) ?? '';
        assert.equal(data.offset, text.length, 'no piece lost or repeated');
        calls.set(data.callId, text + (data.text ?? ''));
      }
    }
    const outcome = (events[ended] as SseEvent).data as { outcome: { outcome: string; result: { text: string } } };
    assert.equal(outcome.outcome.outcome, 'completed');
    assert.equal([...calls.values()].join(''), outcome.outcome.result.text);
    assert.equal(outcome.outcome.result.text, story);
  });

  it('?tokens=false leaves token events out', async () => {
    const id = await startRun(`api-tokens-off-${process.pid}`);
    const events = await readAll(`/v1/runs/${id}/events?tokens=false`);
    assert.equal(events.at(-1)?.event, 'run.ended');
    assert.deepEqual(
      events.filter((e) => e.event.startsWith('token')),
      [],
    );
  });

  it('a failing token stream is logged and the run events go on to run.ended', async () => {
    const id = await startRun(`api-tokens-broken-${process.pid}`);
    const events = await readAll(`/v1/runs/${id}/events`, brokenBase);
    assert.ok(
      events.some((e) => e.event === 'step.finished'),
      events.map((e) => e.event).join(','),
    );
    assert.equal(events.at(-1)?.event, 'run.ended');
    assert.equal(events.filter((e) => e.event.startsWith('token') || e.event === 'error').length, 0);
    assert.ok(
      warnings.some((line) => line.includes('token stream failed') && line.includes('token database unreachable')),
      warnings.join('\n'),
    );
  });

  it('refuses a tokens flag that is not true or false', async () => {
    const response = await fetch(`${base}/v1/runs/any-run/events?tokens=maybe`, { headers: AUTH });
    const body = (await response.json()) as { error?: { message?: string } };
    assert.equal(response.status, 422, JSON.stringify(body));
    assert.match(body.error?.message ?? '', /\/tokens .*"true"\|"false"/);
  });
});
