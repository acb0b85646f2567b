/**
 * The token broker across machines, on PostgreSQL (already the conversation store's database): each attempt's
 * text so far is a row (so a subscriber that joins late reads it), and every piece is also a NOTIFY on one
 * channel, so subscribers on any API process see it within milliseconds. The row update and its notification
 * are one statement, so a reader never sees one without the other. Pieces are batched every few tens of
 * milliseconds: a token costs no round trip of its own.
 */
import { Client, Pool, type PoolConfig } from 'pg';
import type { TokenCall, TokenEvent } from '../contracts/tokens';
import { SubscriberView, type AttemptStream, type TokenBroker, type TokenSubscription } from './broker';

const CHANNEL = 'da_tokens';
/** NOTIFY payloads stop at 8000 bytes: 1000 characters stay under it even when every one is escaped. */
const MAX_PIECE_CHARS = 1000;
const FLUSH_MS = 40;
/** How long `end` waits for the last pieces to leave before giving up on them (live text is best effort). */
const END_WAIT_MS = 2000;

const schema = `
CREATE TABLE IF NOT EXISTS da_token_calls (
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  call_id text NOT NULL,
  model text NOT NULL,
  attempt integer NOT NULL,
  text text NOT NULL,
  done boolean NOT NULL DEFAULT false,
  outcome text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, run_id, call_id)
);`;

/** A notification, short-keyed to leave room for text: k = a(ttempt) | t(ext) | e(nd). */
interface Note {
  k: 'a' | 't' | 'e';
  w: string;
  r: string;
  c: string;
  m: string;
  a: number;
  o?: number;
  t?: string;
  x?: 'finished' | 'failed';
}

function eventOf(note: Note): TokenEvent {
  const call: TokenCall = { workflowId: note.w, runId: note.r, callId: note.c, model: note.m };
  if (note.k === 'a') return { ...call, type: 'token.attempt', attempt: note.a };
  if (note.k === 'e') return { ...call, type: 'token.end', attempt: note.a, outcome: note.x ?? 'failed' };
  return { ...call, type: 'token', attempt: note.a, offset: note.o ?? 0, text: note.t ?? '' };
}

function isNote(value: unknown): value is Note {
  const n = value as Partial<Note> | null;
  return (
    typeof n === 'object' && n !== null && typeof n.w === 'string' && typeof n.r === 'string' && typeof n.c === 'string'
  );
}

export interface PostgresTokenBrokerOptions {
  /** Where a publishing failure is reported (the activity's logger); live text is dropped, the call goes on. */
  onError?: (err: Error) => void;
}

interface Follower {
  view: SubscriberView;
  /** Notifications that arrived while the snapshot was being read; applied after it. */
  pending: Note[] | undefined;
}

export function createPostgresTokenBroker(
  config: string | PoolConfig,
  options: PostgresTokenBrokerOptions = {},
): TokenBroker {
  const pool = new Pool(typeof config === 'string' ? { connectionString: config, max: 5 } : config);
  // An idle client's error (the server restarting) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const report = (err: unknown) => options.onError?.(err as Error);
  let ready: Promise<unknown> | undefined;
  const ensureSchema = () =>
    (ready ??= pool.query(schema).catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));

  const followers = new Map<string, Set<Follower>>();
  let listener: Promise<Client> | undefined;
  let closed = false;

  /**
   * Reads calls from their rows and applies them to a follower. On subscribing, the calls still in flight; after
   * a dropped connection or a gap, recently ended ones too, with their end, so a missed `end` is not lost.
   */
  async function snapshot(workflowId: string, follower: Follower, scope: 'live' | 'recent' | TokenCall): Promise<void> {
    const columns = 'run_id, call_id, model, attempt, text, done, outcome';
    const rows = await pool.query<{
      run_id: string;
      call_id: string;
      model: string;
      attempt: number;
      text: string;
      done: boolean;
      outcome: string | null;
    }>(
      typeof scope === 'object'
        ? `SELECT ${columns} FROM da_token_calls WHERE workflow_id = $1 AND run_id = $2 AND call_id = $3`
        : scope === 'live'
          ? `SELECT ${columns} FROM da_token_calls WHERE workflow_id = $1 AND NOT done`
          : `SELECT ${columns} FROM da_token_calls WHERE workflow_id = $1 AND (NOT done OR updated_at > now() - interval '10 minutes')`,
      typeof scope === 'object' ? [workflowId, scope.runId, scope.callId] : [workflowId],
    );
    for (const row of rows.rows) {
      const call: TokenCall = { workflowId, runId: row.run_id, callId: row.call_id, model: row.model };
      follower.view.apply({ ...call, type: 'token', attempt: row.attempt, offset: 0, text: row.text });
      if (row.done) {
        const outcome = row.outcome === 'finished' ? 'finished' : 'failed';
        follower.view.apply({ ...call, type: 'token.end', attempt: row.attempt, outcome });
      }
    }
  }

  function deliver(follower: Follower, note: Note): void {
    if (follower.pending) {
      follower.pending.push(note);
      return;
    }
    const event = eventOf(note);
    if (follower.view.apply(event) === 'gap') {
      // A piece went missing (a reconnect): the row holds the whole attempt, so read it again.
      snapshot(note.w, follower, event).catch(report);
    }
  }

  function listen(): Promise<Client> {
    listener ??= (async () => {
      const client = new Client(typeof config === 'string' ? { connectionString: config } : config);
      client.on('notification', (message) => {
        let note: unknown;
        try {
          note = JSON.parse(message.payload ?? '');
        } catch {
          return;
        }
        if (!isNote(note)) return;
        for (const follower of followers.get(note.w) ?? []) deliver(follower, note);
      });
      client.on('error', (err) => {
        report(err);
        listener = undefined;
        client.end().catch(() => undefined);
        // Reconnect and re-read every followed workflow: notifications sent meanwhile were missed.
        if (!closed && followers.size) setTimeout(() => void resubscribeAll(), 500);
      });
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      return client;
    })().catch((err: unknown) => {
      listener = undefined;
      throw err;
    });
    return listener;
  }

  async function resubscribeAll(): Promise<void> {
    try {
      await listen();
      for (const [workflowId, set] of followers) for (const f of set) await snapshot(workflowId, f, 'recent');
    } catch (err) {
      report(err);
      if (!closed) setTimeout(() => void resubscribeAll(), 1000);
    }
  }

  async function notify(sql: string, params: unknown[]): Promise<void> {
    await ensureSchema();
    await pool.query(sql, params);
  }

  return {
    startAttempt(call, attempt): AttemptStream {
      const base = { w: call.workflowId, r: call.runId, c: call.callId, m: call.model, a: attempt };
      let sent = 0;
      let buffered = '';
      let timer: NodeJS.Timeout | undefined;
      // Writes go one after another, so pieces reach the row and the channel in order.
      let chain: Promise<void> = notify(
        `WITH up AS (
           INSERT INTO da_token_calls (workflow_id, run_id, call_id, model, attempt, text) VALUES ($1, $2, $3, $4, $5, '')
           ON CONFLICT (workflow_id, run_id, call_id) DO UPDATE
             SET attempt = EXCLUDED.attempt, model = EXCLUDED.model, text = '', done = false, outcome = NULL, updated_at = now()
             WHERE da_token_calls.attempt <= EXCLUDED.attempt
           RETURNING 1)
         SELECT pg_notify('${CHANNEL}', $6) FROM up`,
        [call.workflowId, call.runId, call.callId, call.model, attempt, JSON.stringify({ k: 'a', ...base })],
      ).catch(report);

      const flush = () => {
        timer = undefined;
        while (buffered) {
          const piece = buffered.slice(0, MAX_PIECE_CHARS);
          buffered = buffered.slice(piece.length);
          const offset = sent;
          sent += piece.length;
          chain = chain
            .then(() =>
              notify(
                `WITH up AS (
                   UPDATE da_token_calls SET text = text || $4, updated_at = now()
                   WHERE workflow_id = $1 AND run_id = $2 AND call_id = $3 AND attempt = $5
                   RETURNING 1)
                 SELECT pg_notify('${CHANNEL}', $6) FROM up`,
                [
                  call.workflowId,
                  call.runId,
                  call.callId,
                  piece,
                  attempt,
                  JSON.stringify({ k: 't', ...base, o: offset, t: piece }),
                ],
              ),
            )
            .catch(report);
        }
      };

      return {
        text(piece) {
          if (!piece) return;
          buffered += piece;
          if (buffered.length >= MAX_PIECE_CHARS) flush();
          else timer ??= setTimeout(flush, FLUSH_MS);
        },
        async end(outcome) {
          if (timer) clearTimeout(timer);
          flush();
          chain = chain
            .then(() =>
              notify(
                `WITH up AS (
                   UPDATE da_token_calls SET done = true, outcome = $6, updated_at = now()
                   WHERE workflow_id = $1 AND run_id = $2 AND call_id = $3 AND attempt = $4
                   RETURNING 1)
                 SELECT pg_notify('${CHANNEL}', $5) FROM up`,
                [
                  call.workflowId,
                  call.runId,
                  call.callId,
                  attempt,
                  JSON.stringify({ k: 'e', ...base, x: outcome }),
                  outcome,
                ],
              ),
            )
            .catch(report);
          let waited: NodeJS.Timeout | undefined;
          await Promise.race([chain, new Promise<void>((resolve) => (waited = setTimeout(resolve, END_WAIT_MS)))]);
          clearTimeout(waited);
        },
      };
    },

    async subscribe(workflowId, listener): Promise<TokenSubscription> {
      await ensureSchema();
      const follower: Follower = { view: new SubscriberView(listener), pending: [] };
      const set = followers.get(workflowId) ?? new Set();
      set.add(follower);
      followers.set(workflowId, set);
      try {
        // Listen first, then read what is there: a piece sent in between is in both, and the view drops the copy.
        await listen();
        await snapshot(workflowId, follower, 'live');
      } catch (err) {
        set.delete(follower);
        throw err;
      }
      const pending = follower.pending ?? [];
      follower.pending = undefined;
      for (const note of pending) deliver(follower, note);
      return {
        async close() {
          set.delete(follower);
          if (set.size === 0) followers.delete(workflowId);
        },
      };
    },

    async close() {
      closed = true;
      followers.clear();
      const client = await listener?.catch(() => undefined);
      await client?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
