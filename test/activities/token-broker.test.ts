/**
 * The token brokers: the subscriber's view (attempts replace each other, nothing twice, gaps re-read), the
 * in-process broker, and the PostgreSQL broker across separate connections (as separate worker and API
 * processes have), on a throwaway cluster: a subscriber from the start and one that joins mid-call both end with
 * exactly the text written; a stale attempt is ignored; a dropped LISTEN connection loses nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'pg';
import type { TokenCall, TokenEvent } from '../../src/contracts/tokens';
import { SubscriberView, type TokenBroker } from '../../src/streaming/broker';
import { createInProcessTokenBroker } from '../../src/streaming/in-process';
import { createPostgresTokenBroker } from '../../src/streaming/postgres';
import { startPostgres, type PostgresCluster } from '../helpers/postgres';
import { waitFor } from '../helpers/wait';

/** What a subscriber ends up showing: the text of the latest attempt of each call. */
class Transcript {
  readonly events: TokenEvent[] = [];
  readonly text = new Map<string, { attempt: number; text: string; ended?: string }>();
  readonly listener = (event: TokenEvent): void => {
    this.events.push(event);
    const key = event.callId;
    if (event.type === 'token.attempt') this.text.set(key, { attempt: event.attempt, text: '' });
    const entry = this.text.get(key);
    assert.ok(entry, `an attempt is announced before its text (${event.type})`);
    assert.equal(entry.attempt, event.attempt, 'events of one attempt only until the next is announced');
    if (event.type === 'token') {
      assert.equal(event.offset, entry.text.length, 'no piece twice, none skipped');
      entry.text += event.text;
    }
    if (event.type === 'token.end') entry.ended = event.outcome;
  };
  of(callId: string) {
    return this.text.get(callId);
  }
}

const call = (callId: string, workflowId = 'wf-1'): TokenCall => ({
  workflowId,
  runId: 'run-1',
  callId,
  model: 'mock:x',
});
const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `);

describe('the subscriber view', () => {
  it('passes on only what is new, replaces an attempt with a later one and ignores an earlier one', () => {
    const t = new Transcript();
    const view = new SubscriberView(t.listener);
    const c = call('1');
    assert.equal(view.apply({ ...c, type: 'token', attempt: 1, offset: 0, text: 'Hello' }), 'ok');
    assert.equal(view.apply({ ...c, type: 'token', attempt: 1, offset: 0, text: 'Hello wor' }), 'ok'); // overlap
    assert.equal(view.apply({ ...c, type: 'token', attempt: 1, offset: 5, text: ' wor' }), 'ok'); // already seen
    assert.equal(view.apply({ ...c, type: 'token', attempt: 1, offset: 20, text: 'later' }), 'gap');
    assert.equal(t.of('1')?.text, 'Hello wor');
    assert.equal(view.apply({ ...c, type: 'token', attempt: 2, offset: 0, text: 'Again' }), 'ok');
    assert.equal(view.apply({ ...c, type: 'token', attempt: 1, offset: 9, text: 'ld' }), 'ok'); // stale
    assert.equal(view.apply({ ...c, type: 'token.end', attempt: 2, outcome: 'finished' }), 'ok');
    assert.equal(view.apply({ ...c, type: 'token.end', attempt: 2, outcome: 'finished' }), 'ok');
    assert.deepEqual(t.of('1'), { attempt: 2, text: 'Again', ended: 'finished' });
    assert.equal(t.events.filter((e) => e.type === 'token.end').length, 1, 'an end once');
  });
});

/** The same behaviour from both brokers: a publisher, an early subscriber and a late one. */
async function lateJoiner(publisher: TokenBroker, early: TokenBroker, late: TokenBroker, workflowId: string) {
  const first = new Transcript();
  const second = new Transcript();
  await early.subscribe(workflowId, first.listener);
  const c = call('5', workflowId);
  const failed = publisher.startAttempt(c, 1);
  for (const w of words(30, 'a')) failed.text(w);
  await failed.end('failed');
  const attempt = publisher.startAttempt(c, 2);
  const pieces = words(400, 'b');
  for (const w of pieces.slice(0, 200)) attempt.text(w);
  await waitFor(
    'the subscriber',
    () => Boolean(first.of('5')?.attempt === 2 && (first.of('5')?.text.length ?? 0) > 0),
    10_000,
  );
  const subscription = await late.subscribe(workflowId, second.listener);
  for (const w of pieces.slice(200)) attempt.text(w);
  await attempt.end('finished');
  await waitFor('the subscriber', () => Boolean(first.of('5')?.ended && second.of('5')?.ended), 10_000);
  await subscription.close();
  assert.deepEqual(first.of('5'), { attempt: 2, text: pieces.join(''), ended: 'finished' });
  assert.deepEqual(second.of('5'), { attempt: 2, text: pieces.join(''), ended: 'finished' });
  assert.deepEqual(
    first.events.filter((e) => e.type !== 'token').map((e) => `${e.type}:${e.attempt}`),
    ['token.attempt:1', 'token.end:1', 'token.attempt:2', 'token.end:2'],
  );
  assert.equal(
    first.events
      .filter((e) => e.type === 'token' && e.attempt === 1)
      .map((e) => (e as { text: string }).text)
      .join(''),
    words(30, 'a').join(''),
  );
  // The late subscriber never saw the failed attempt: it joined during attempt 2 and got its text so far at once.
  assert.equal(second.events[0]?.type, 'token.attempt');
  assert.ok(second.events.every((e) => e.attempt === 2));
}

describe('the in-process broker', () => {
  it('a subscriber from the start and one joining mid-call both end with exactly the text written', async () => {
    const broker = createInProcessTokenBroker();
    await lateJoiner(broker, broker, broker, 'wf-in-process');
  });
});

describe('the PostgreSQL broker', () => {
  let pg: PostgresCluster;
  const brokers: TokenBroker[] = [];
  const broker = () => {
    const b = createPostgresTokenBroker(pg.url, { onError: () => undefined });
    brokers.push(b);
    return b;
  };
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await Promise.all(brokers.map((b) => b.close()));
    await pg?.stop();
  });

  it('carries text between separate connections; a late subscriber gets the text so far, then the rest', async () => {
    await lateJoiner(broker(), broker(), broker(), 'wf-pg');
  });

  it('ignores a stale attempt still writing after a later one began (a zombie worker)', async () => {
    const publisherA = broker();
    const publisherB = broker();
    const t = new Transcript();
    await broker().subscribe('wf-zombie', t.listener);
    const c = call('9', 'wf-zombie');
    const zombie = publisherA.startAttempt(c, 1);
    zombie.text('old ');
    await waitFor('the subscriber', () => Boolean(t.of('9')?.text), 10_000);
    const current = publisherB.startAttempt(c, 2);
    await waitFor('the subscriber', () => Boolean(t.of('9')?.attempt === 2), 10_000);
    zombie.text('stale text');
    current.text('fresh text');
    await zombie.end('failed');
    await current.end('finished');
    await waitFor('the subscriber', () => Boolean(t.of('9')?.ended), 10_000);
    assert.deepEqual(t.of('9'), { attempt: 2, text: 'fresh text', ended: 'finished' });
  });

  it('loses nothing when the LISTEN connection drops mid-call: it reconnects and re-reads', async () => {
    const publisher = broker();
    const t = new Transcript();
    await broker().subscribe('wf-drop', t.listener);
    const c = call('3', 'wf-drop');
    const attempt = publisher.startAttempt(c, 1);
    const pieces = words(100, 'c');
    for (const w of pieces.slice(0, 50)) attempt.text(w);
    await waitFor('the subscriber', () => Boolean((t.of('3')?.text.length ?? 0) > 0), 10_000);
    const admin = new Pool({ connectionString: pg.url, max: 1 });
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    await admin.end();
    for (const w of pieces.slice(50)) attempt.text(w);
    await attempt.end('finished');
    await waitFor('the subscriber', () => Boolean(t.of('3')?.text === pieces.join('')), 15_000);
    assert.equal(t.of('3')?.text, pieces.join(''));
  });
});
