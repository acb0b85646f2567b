/**
 * The pure parts of replay: the request hash (what counts as the same request) and the recording reader
 * (whole requests rebuilt from a by-reference history, bounded), and the `replay` field's refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { temporal } from '@temporalio/proto';
import {
  canonicalJson,
  modelRequestHash,
  replaySourceSchema,
  type HashedRequest,
} from '../../src/contracts/evals/replay';
import { readRecording } from '../../src/contracts/evals/replay-history';
import type { Message, ModelRequest } from '../../src/contracts/messages';

const base: HashedRequest = {
  model: 'mock:x',
  system: 'Be exact.',
  messages: [{ role: 'user', content: 'hi' }],
  tools: [{ name: 'calculator', description: 'Arithmetic.', parameters: { type: 'object', properties: {} } }],
};

describe('the request hash', () => {
  it('writes one canonical text whatever the key order, leaving undefined out', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: 'x' } }),
      '{"a":{"c":"x","d":[1,{"f":2}]},"b":1}',
    );
  });

  it('is the same for two encodings of one request', () => {
    const reordered = {
      tools: base.tools.map((t) => ({
        parameters: { properties: {}, type: 'object' },
        description: t.description,
        name: t.name,
      })),
      messages: base.messages,
      system: base.system,
      model: base.model,
    };
    assert.equal(modelRequestHash(reordered), modelRequestHash(base));
    const withEmpty: Message[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'ok', toolCalls: [] },
      { role: 'tool', toolCallId: 'c', toolName: 't', content: 'r', isError: false },
    ];
    const without: Message[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'ok' },
      { role: 'tool', toolCallId: 'c', toolName: 't', content: 'r' },
    ];
    assert.equal(modelRequestHash({ ...base, messages: withEmpty }), modelRequestHash({ ...base, messages: without }));
  });

  it('changes with anything the provider is sent that can change its answer', () => {
    const hash = modelRequestHash(base);
    for (const changed of [
      { ...base, model: 'mock:y' },
      { ...base, system: 'Be brief.' },
      { ...base, messages: [{ role: 'user' as const, content: 'hi!' }] },
      { ...base, tools: [] },
      { ...base, temperature: 0 },
      { ...base, maxOutputTokens: 100 },
      { ...base, outputSchema: { type: 'object' } },
    ]) {
      assert.notEqual(modelRequestHash(changed), hash, JSON.stringify(changed));
    }
  });
});

/** History events whose payloads are the values themselves; the test's decoder hands them back. */
type Event = temporal.api.history.v1.IHistoryEvent;
const box = (value: unknown) => ({ payloads: [{ value } as unknown as temporal.api.common.v1.IPayload] });
const decode = async (payloads: temporal.api.common.v1.IPayload[]) =>
  (payloads[0] as unknown as { value: unknown }).value;

let eventId = 0;
/** Event ids are Longs in the proto types; plain numbers serve the reader the same (it compares their text). */
const nextEventId = () => ++eventId as unknown as Event['eventId'];
const asEventId = (n: number) => n as unknown as Event['eventId'];
const started = (input: unknown): Event => ({
  eventId: nextEventId(),
  workflowExecutionStartedEventAttributes: { workflowType: { name: 'agentWorkflow' }, input: box(input) },
});
function scheduled(request: Omit<ModelRequest, 'tools'> & { tools?: ModelRequest['tools'] }): Event {
  return {
    eventId: nextEventId(),
    activityTaskScheduledEventAttributes: {
      activityType: { name: 'callModel' },
      input: box({ tools: [], ...request }),
    },
  };
}
const completed = (scheduledEventId: number, text: string): Event => ({
  eventId: nextEventId(),
  activityTaskCompletedEventAttributes: {
    scheduledEventId: asEventId(scheduledEventId),
    result: box({
      message: { role: 'assistant', content: text },
      stopReason: 'end_turn',
      usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0 },
      providerModel: 'x',
    }),
  },
});

describe('the recording reader', () => {
  const user: Message = { role: 'user', content: 'q' };
  const a1: Message = { role: 'assistant', content: 'a1' };
  const u2: Message = { role: 'user', content: 'more' };

  it('rebuilds by-reference requests as the store assembled them, failed attempts included', async () => {
    const s1 = scheduled({
      model: 'mock:x',
      system: 's',
      messages: [user],
      conversation: { id: 'c', revision: 'r1', offset: 0 },
    });
    // A call that failed after writing r2: the next one names r2 among its attempted revisions.
    const s2 = scheduled({
      model: 'mock:x',
      system: 's',
      messages: [a1, u2],
      conversation: { id: 'c', base: 'r1', revision: 'r2', offset: 1 },
    });
    const s3 = scheduled({
      model: 'mock:x',
      system: 's',
      messages: [],
      // Its base is not in this history, but the attempted r2 is, and holds the first three messages.
      conversation: { id: 'c', base: 'r-lost', attempted: ['r2'], revision: 'r3', offset: 3 },
    });
    const events = [
      started({ agent: 'a' }),
      s1,
      completed(Number(s1.eventId), 'a1'),
      s2,
      s3,
      completed(Number(s3.eventId), 'a2'),
    ];
    const run = await readRecording(events, decode);
    assert.deepEqual(run.input, { agent: 'a' });
    assert.equal(run.modelCalls, 3);
    assert.equal(run.unusable, 1, 'the failed call has no answer');
    assert.deepEqual(
      run.exchanges.map((e) => e.hash),
      [
        modelRequestHash({ model: 'mock:x', system: 's', messages: [user], tools: [] }),
        modelRequestHash({ model: 'mock:x', system: 's', messages: [user, a1, u2], tools: [] }),
      ],
    );
    assert.deepEqual(
      run.exchanges.map((e) => e.call),
      [1, 2],
    );
  });

  it('has no answer for a call built on a conversation from an earlier run, and stops at its bounds', async () => {
    const carried = scheduled({
      model: 'mock:x',
      system: 's',
      messages: [u2],
      conversation: { id: 'c', base: 'earlier-run/7', revision: 'r1', offset: 4 },
    });
    const whole = scheduled({ model: 'mock:x', system: 's', messages: [user] });
    const whole2 = scheduled({ model: 'mock:x', system: 's', messages: [user, a1] });
    const events = [
      started({}),
      carried,
      completed(Number(carried.eventId), 'x'),
      whole,
      completed(Number(whole.eventId), 'y'),
      whole2,
      completed(Number(whole2.eventId), 'z'),
    ];
    const all = await readRecording(events, decode);
    assert.equal(all.unusable, 1);
    assert.equal(all.exchanges.length, 2);
    const bounded = await readRecording(events, decode, { maxExchanges: 1 });
    assert.equal(bounded.exchanges.length, 1);
    assert.equal(bounded.truncated, true);
  });
});

describe('the replay field', () => {
  it('takes workflow ids (slashes included) and refuses paths and URLs', () => {
    assert.ok(replaySourceSchema.safeParse({ recordedWorkflowId: 'history-graph/child-1' }).success);
    for (const id of ['./run.json', '/tmp/run', 'run.json', 'https://example.com/x', 'file:///etc/passwd', 'a\nb']) {
      assert.equal(replaySourceSchema.safeParse({ recordedWorkflowId: id }).success, false, id);
    }
    assert.equal(replaySourceSchema.safeParse({ recordedWorkflowId: 'x', recordedRunId: '../x' }).success, false);
  });
});
