/**
 * The callModel activity through the real openai and @anthropic-ai/sdk clients against the shipped mock LLM
 * server: both wire formats, usage, typed failures and retry delays, heartbeats and cancellation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createModelActivities } from '../../src/activities/models';
import { createModelAdapters } from '../../src/activities/models/clients';
import { retryAfterMs } from '../../src/activities/models/errors';
import type { ModelRequest, ModelResponse } from '../../src/contracts/messages';
import { startMockLlmServer, type MockLlmServer } from '../../src/servers/mock-llm/server';
import { quietActivityEnv } from '../helpers/activity-env';

let mock: MockLlmServer;
before(async () => {
  mock = await startMockLlmServer();
});
after(async () => {
  await mock?.close();
});

const wires = ['openai', 'anthropic'] as const;
type WireName = (typeof wires)[number];

function activitiesFor(wire: WireName) {
  return createModelActivities({ adapters: createModelAdapters({ mock: { baseURL: mock.url, wire } }) });
}

function request(scenario: string, overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: `mock:${scenario}`,
    system: 'You are a test.',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [
      {
        name: 'calculator',
        description: 'math',
        parameters: { type: 'object', properties: { expression: { type: 'string' } } },
      },
    ],
    ...overrides,
  };
}

/** Runs callModel in an activity context and returns its failure, which must be an ApplicationFailure. */
async function failureOf(wire: WireName, req: ModelRequest): Promise<ApplicationFailure> {
  const err = await quietActivityEnv()
    .env.run(activitiesFor(wire).callModel, req)
    .then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('callModel on both wire formats', () => {
  for (const wire of wires) {
    it(`${wire}: text, parallel tool calls and usage come back in the neutral format`, async () => {
      mock.addScenario('m-basic', {
        turns: [
          {
            toolCalls: [
              { name: 'calculator', arguments: { expression: '1+1' } },
              { name: 'calculator', arguments: { expression: '2+2' } },
            ],
            usage: { input: 50, output: 5, cached: 20 },
          },
          { text: 'two and four', usage: { input: 80, output: 3 } },
        ],
      });
      const { callModel } = activitiesFor(wire);
      const env = quietActivityEnv().env;
      const first: ModelResponse = await env.run(callModel, request('m-basic'));
      assert.equal(first.stopReason, 'tool_calls');
      assert.deepEqual(
        first.message.toolCalls?.map((c) => [c.name, JSON.parse(c.arguments)]),
        [
          ['calculator', { expression: '1+1' }],
          ['calculator', { expression: '2+2' }],
        ],
      );
      assert.deepEqual(first.usage, { inputTokens: 50, outputTokens: 5, cachedInputTokens: 20 });

      const calls = first.message.toolCalls ?? [];
      const second: ModelResponse = await env.run(
        callModel,
        request('m-basic', {
          messages: [
            { role: 'user', content: 'hi' },
            first.message,
            { role: 'tool', toolCallId: calls[0]!.id, toolName: 'calculator', content: 'two' },
            { role: 'tool', toolCallId: calls[1]!.id, toolName: 'calculator', content: 'four' },
          ],
        }),
      );
      assert.deepEqual(second.message, { role: 'assistant', content: 'two and four' });
      assert.equal(second.stopReason, 'end_turn');
      const log = mock.requests.filter((r) => r.scenario === 'm-basic' && r.wire === wire);
      assert.deepEqual(
        log.map((r) => r.turn),
        [0, 1],
      );
      // Both tool results reached the model (Anthropic: merged into one user message of tool_result blocks).
      assert.match(log[1]!.lastUserOrToolContent, wire === 'anthropic' ? /two\nfour/ : /four/);
    });

    it(`${wire}: a 429 becomes RateLimited with the provider's retry-after as the next delay`, async () => {
      mock.addScenario('m-429', { turns: [{ text: 'x', faults: [{ status: 429, retryAfterMs: 1500 }] }] });
      const failure = await failureOf(wire, request('m-429', { messages: [{ role: 'user', content: `429 ${wire}` }] }));
      assert.equal(failure.type, 'RateLimited');
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.nextRetryDelay, 1500);
    });

    it(`${wire}: a 401 becomes a non-retryable AuthFailed that names no key`, async () => {
      const failure = await failureOf(
        wire,
        request('auth-failed', { messages: [{ role: 'user', content: `401 ${wire}` }] }),
      );
      assert.equal(failure.type, 'AuthFailed');
      assert.equal(failure.nonRetryable, true);
      assert.doesNotMatch(failure.message, /mock[-_ ]?key|Bearer/i);
    });

    it(`${wire}: 500, 503 and 529 are retryable ProviderUnavailable`, async () => {
      for (const status of [500, 503, 529] as const) {
        mock.addScenario(`m-${status}`, { turns: [{ text: 'x', faults: [{ status }] }] });
        const failure = await failureOf(
          wire,
          request(`m-${status}`, { messages: [{ role: 'user', content: `${status} ${wire}` }] }),
        );
        assert.equal(failure.type, 'ProviderUnavailable', `status ${status}`);
        assert.equal(failure.nonRetryable, false);
      }
    });

    it(`${wire}: context length and content policy are told apart from other bad requests`, async () => {
      mock.addScenario('m-ctx', {
        turns: [
          {
            text: 'x',
            faults: [
              { status: 400, code: 'context_length_exceeded', message: 'maximum context length is 128000 tokens' },
            ],
          },
        ],
      });
      mock.addScenario('m-policy', {
        turns: [{ text: 'x', faults: [{ status: 400, code: 'content_filter', message: 'blocked by content policy' }] }],
      });
      assert.equal((await failureOf(wire, request('m-ctx'))).type, 'ContextLengthExceeded');
      assert.equal((await failureOf(wire, request('m-policy'))).type, 'ContentPolicy');
      const outOfTurns = await failureOf(
        wire,
        request('hello', {
          messages: [
            { role: 'user', content: 'a' },
            { role: 'assistant', content: 'b' },
            { role: 'user', content: 'c' },
          ],
        }),
      );
      assert.equal(outOfTurns.type, 'InvalidRequest');
      assert.equal(outOfTurns.nonRetryable, true);
      assert.match(outOfTurns.message, /has no turn 1 \(it has 1 turns\)/);
    });
  }

  it('hands malformed tool arguments through as raw text for the tool to reject', async () => {
    const res: ModelResponse = await quietActivityEnv().env.run(
      activitiesFor('openai').callModel,
      request('malformed-tool-args'),
    );
    assert.equal(res.message.toolCalls?.[0]?.arguments, '{"expression": "2 +');
  });

  it('refuses a provider the worker has no settings for, naming the variable to set', async () => {
    const { callModel } = createModelActivities({ adapters: {} });
    const err = await quietActivityEnv()
      .env.run(callModel, request('hello', { model: 'anthropic:claude-haiku-4-5' }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'InvalidRequest');
    assert.match(err.message, /ANTHROPIC_API_KEY/);
  });

  it('reports an unreachable provider as retryable ProviderUnavailable', async () => {
    const { callModel } = createModelActivities({
      adapters: createModelAdapters({ mock: { baseURL: 'http://127.0.0.1:1', wire: 'openai' } }),
    });
    const err = await quietActivityEnv()
      .env.run(callModel, request('hello'))
      .catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'ProviderUnavailable');
    assert.equal(err.nonRetryable, false);
  });

  it('heartbeats while a slow call is in flight, and aborts the request when cancelled', async () => {
    mock.addScenario('m-hang', { turns: [{ text: 'x', faults: [{ hang: true }] }] });
    const env = quietActivityEnv({ heartbeatTimeoutMs: 2000 }).env;
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const running = env.run(activitiesFor('openai').callModel, request('m-hang'));
    await new Promise((r) => setTimeout(r, 2300));
    assert.ok(heartbeats >= 2, `heartbeats sent: ${heartbeats}`);
    env.cancel();
    const err = await running.catch((e: unknown) => e);
    assert.ok(err instanceof CancelledFailure, `expected CancelledFailure, got ${String(err)}`);
  });
});

describe('retry-after parsing', () => {
  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    assert.equal(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }), 250);
    assert.equal(retryAfterMs({ 'retry-after': '2' }), 2000);
    const now = Date.parse('2026-11-22T10:00:00Z');
    assert.equal(retryAfterMs({ 'retry-after': 'Sun, 22 Nov 2026 10:00:05 GMT' }, now), 5000);
    assert.equal(retryAfterMs({}), undefined);
  });
});
