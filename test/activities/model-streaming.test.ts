/**
 * Streamed model calls through the real openai and @anthropic-ai/sdk clients against the mock LLM server's
 * streaming wire formats: text arrives in pieces, in order, as the provider writes it; tool-call arguments
 * streamed in pieces come back whole; usage arrives at the end; a stream that breaks mid-answer is a retryable
 * failure whose text the broker marks as a failed attempt; heartbeats are sent while the stream is read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createModelActivities } from '../../src/activities/models';
import { createModelAdapters } from '../../src/activities/models/clients';
import { ErrorType } from '../../src/contracts/errors';
import type { ModelRequest, ModelResponse } from '../../src/contracts/messages';
import type { TokenEvent } from '../../src/contracts/tokens';
import { startMockLlmServer, type MockLlmServer } from '../../src/servers/mock-llm/server';
import { createInProcessTokenBroker } from '../../src/streaming/in-process';
import { quietActivityEnv } from '../helpers/activity-env';

let mock: MockLlmServer;
before(async () => {
  mock = await startMockLlmServer();
});
after(async () => {
  await mock?.close();
});

const wires = ['openai', 'anthropic'] as const;
const story = 'The durable agent wrote its answer one piece at a time, and nobody lost a word of it. ';

function request(scenario: string): ModelRequest {
  return {
    model: `mock:${scenario}`,
    system: 'You are a test.',
    messages: [{ role: 'user', content: 'tell me' }],
    tools: [{ name: 'lookup', description: 'find', parameters: { type: 'object', properties: {} } }],
  };
}

describe('streamed model calls', () => {
  for (const wire of wires) {
    it(`${wire}: text streams to the broker in order and the whole message comes back with usage`, async () => {
      mock.addScenario(`s-text-${wire}`, { turns: [{ text: story.repeat(3), usage: { input: 30, output: 60 } }] });
      const broker = createInProcessTokenBroker();
      const events: TokenEvent[] = [];
      await broker.subscribe('wf-stream', (e) => events.push(e));
      const { callModel } = createModelActivities({
        adapters: createModelAdapters({ mock: { baseURL: mock.url, wire } }),
        tokens: broker,
      });
      const heartbeats: unknown[] = [];
      const { env } = quietActivityEnv({
        workflowExecution: { workflowId: 'wf-stream', runId: 'run-1' },
        activityId: '7',
        attempt: 1,
      } as never);
      env.on('heartbeat', (d: unknown) => heartbeats.push(d));
      const response: ModelResponse = await env.run(callModel, request(`s-text-${wire}`));

      assert.equal(response.message.content, story.repeat(3));
      assert.equal(response.stopReason, 'end_turn');
      assert.equal(response.usage.inputTokens, 30);
      assert.equal(response.usage.outputTokens, 60);
      const pieces = events.filter((e) => e.type === 'token');
      assert.ok(pieces.length > 10, `the text arrived in pieces (${pieces.length})`);
      assert.equal(pieces.map((e) => e.text).join(''), story.repeat(3));
      let offset = 0;
      for (const piece of pieces) {
        assert.equal(piece.offset, offset, 'each piece continues where the last one ended');
        offset += piece.text.length;
      }
      assert.deepEqual(
        events.filter((e) => e.type !== 'token').map((e) => [e.type, e.attempt, e.callId, e.runId]),
        [
          ['token.attempt', 1, '7', 'run-1'],
          ['token.end', 1, '7', 'run-1'],
        ],
      );
      assert.equal((events.at(-1) as Extract<TokenEvent, { type: 'token.end' }>).outcome, 'finished');
      assert.ok(heartbeats.length >= pieces.length, 'a heartbeat per piece read (the SDK throttles them)');
      assert.equal(mock.requests.at(-1)?.streamed, true, 'the adapter asked for a stream');
    });

    it(`${wire}: tool calls whose arguments arrive in pieces come back whole, beside streamed text`, async () => {
      mock.addScenario(`s-tools-${wire}`, {
        turns: [
          {
            text: 'Looking both up.',
            toolCalls: [
              { name: 'lookup', arguments: { query: 'temporal durable execution', limit: 3 } },
              { name: 'lookup', arguments: { query: 'heartbeats', nested: { deep: [1, 2, 3] } } },
            ],
            usage: { input: 10, output: 20, cached: 4 },
          },
        ],
      });
      const { callModel } = createModelActivities({
        adapters: createModelAdapters({ mock: { baseURL: mock.url, wire } }),
      });
      const response: ModelResponse = await quietActivityEnv().env.run(callModel, request(`s-tools-${wire}`));
      assert.equal(response.stopReason, 'tool_calls');
      assert.equal(response.message.content, 'Looking both up.');
      assert.deepEqual(
        response.message.toolCalls?.map((c) => [c.name, JSON.parse(c.arguments)]),
        [
          ['lookup', { query: 'temporal durable execution', limit: 3 }],
          ['lookup', { query: 'heartbeats', nested: { deep: [1, 2, 3] } }],
        ],
      );
      assert.ok(
        response.message.toolCalls?.every((c) => c.id),
        'every call keeps its id',
      );
      assert.equal(response.usage.cachedInputTokens, 4);
      assert.equal(response.usage.inputTokens, 10);
    });

    it(`${wire}: malformed streamed arguments reach the tool as the text the model wrote`, async () => {
      mock.addScenario(`s-bad-${wire}`, {
        turns: [{ toolCalls: [{ name: 'lookup', rawArguments: '{"query": "unterminated' }] }],
      });
      const { callModel } = createModelActivities({
        adapters: createModelAdapters({ mock: { baseURL: mock.url, wire } }),
      });
      const response: ModelResponse = await quietActivityEnv().env.run(callModel, request(`s-bad-${wire}`));
      assert.equal(response.message.toolCalls?.[0]?.arguments, '{"query": "unterminated');
    });

    it(`${wire}: a stream broken mid-answer is a retryable failure, announced to subscribers as a failed attempt`, async () => {
      mock.addScenario(`s-break-${wire}`, { turns: [{ text: story, faults: [{ breakAfterChars: 20 }] }] });
      const broker = createInProcessTokenBroker();
      const events: TokenEvent[] = [];
      await broker.subscribe('wf-break', (e) => events.push(e));
      const { callModel } = createModelActivities({
        adapters: createModelAdapters({ mock: { baseURL: mock.url, wire } }),
        tokens: broker,
      });
      const info = { workflowExecution: { workflowId: 'wf-break', runId: 'r' }, activityId: '1' };
      const err = await quietActivityEnv({ ...info, attempt: 1 } as never)
        .env.run(callModel, request(`s-break-${wire}`))
        .then(
          () => assert.fail('the broken stream must fail the attempt'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(err)}`);
      assert.equal(err.nonRetryable, false, `retryable (${err.type}: ${err.message})`);
      assert.equal(err.type, ErrorType.ProviderUnavailable);
      const second: ModelResponse = await quietActivityEnv({ ...info, attempt: 2 } as never).env.run(
        callModel,
        request(`s-break-${wire}`),
      );
      assert.equal(second.message.content, story);
      const firstText = events
        .filter((e) => e.type === 'token' && e.attempt === 1)
        .map((e) => (e as { text: string }).text);
      assert.ok(story.startsWith(firstText.join('')) && firstText.join('').length <= 20, 'attempt 1 got a prefix');
      assert.deepEqual(
        events.filter((e) => e.type !== 'token').map((e) => [e.type, e.attempt, 'outcome' in e ? e.outcome : '']),
        [
          ['token.attempt', 1, ''],
          ['token.end', 1, 'failed'],
          ['token.attempt', 2, ''],
          ['token.end', 2, 'finished'],
        ],
      );
      assert.equal(mock.requests.filter((r) => r.scenario === `s-break-${wire}`)[0]?.outcome, 'fault:break');
    });
  }
});

describe('the mock server times its streamed text when asked', () => {
  it('notes each piece once, in order, covering the whole answer (what bench phase h measures from)', async () => {
    const timed = await startMockLlmServer({ recordTextTimes: true });
    try {
      timed.addScenario('s-timed', { turns: [{ text: story }] });
      const adapters = createModelAdapters({ mock: { baseURL: timed.url, wire: 'openai' } });
      const pieces: string[] = [];
      const before = performance.timeOrigin + performance.now();
      await adapters.mock!.complete(
        { ...request('s-timed'), model: 's-timed' },
        new AbortController().signal,
        undefined,
        (t) => pieces.push(t),
      );
      const sent = timed.requests[0]?.textSentAt ?? [];
      assert.equal(sent.length, pieces.length);
      let offset = 0;
      for (const [i, piece] of sent.entries()) {
        assert.equal(piece.offset, offset, `piece ${i} starts where the one before ended`);
        assert.equal(piece.length, pieces[i]!.length);
        assert.ok(piece.atMs >= before && (i === 0 || piece.atMs >= sent[i - 1]!.atMs));
        offset += piece.length;
      }
      assert.equal(offset, story.length);
      assert.equal(
        mock.requests.some((r) => r.textSentAt),
        false,
        'off unless asked',
      );
    } finally {
      await timed.close();
    }
  });
});
