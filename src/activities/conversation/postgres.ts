/**
 * The PostgreSQL conversation store: one row per conversation (its revision) and one row per message, so an
 * append writes only the new messages. Every sync runs in one transaction holding the conversation's row lock,
 * so two attempts of the same call never interleave.
 */
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { Message } from '../../contracts/messages';
import { nextConversation, storeFailure, type ConversationStore, type StoredConversation } from './store';

const schema = `
CREATE TABLE IF NOT EXISTS da_conversations (
  id text PRIMARY KEY,
  revision text NOT NULL,
  length integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS da_conversation_messages (
  conversation_id text NOT NULL REFERENCES da_conversations(id) ON DELETE CASCADE,
  position integer NOT NULL,
  message jsonb NOT NULL,
  PRIMARY KEY (conversation_id, position)
);`;

async function readMessages(client: PoolClient, id: string): Promise<Message[]> {
  const rows = await client.query<{ message: Message }>(
    'SELECT message FROM da_conversation_messages WHERE conversation_id = $1 ORDER BY position',
    [id],
  );
  return rows.rows.map((r) => r.message);
}

/** Connects lazily and creates its two tables on first use. */
export function createPostgresConversationStore(config: string | PoolConfig): ConversationStore {
  const pool = new Pool(typeof config === 'string' ? { connectionString: config, max: 5 } : config);
  // An idle client's error (the server restarting) must not crash the worker; the next query reconnects.
  pool.on('error', () => undefined);
  let ready: Promise<unknown> | undefined;
  return {
    async sync(ref, messages) {
      let client: PoolClient | undefined;
      try {
        ready ??= pool.query(schema).catch((err: unknown) => {
          ready = undefined;
          throw err;
        });
        await ready;
        client = await pool.connect();
        await client.query('BEGIN');
        // Creates the row if needed, so the lock below always has a row to hold.
        await client.query(
          `INSERT INTO da_conversations (id, revision, length) VALUES ($1, '', 0) ON CONFLICT (id) DO NOTHING`,
          [ref.id],
        );
        const head = await client.query<{ revision: string; length: number }>(
          'SELECT revision, length FROM da_conversations WHERE id = $1 FOR UPDATE',
          [ref.id],
        );
        const row = head.rows[0]!;
        const known = row.revision !== '';
        // Only the base's length matters to the rule; the messages themselves are read after the write.
        const stored: StoredConversation | undefined = known
          ? { revision: row.revision, messages: new Array<Message>(row.length) }
          : undefined;
        const next = nextConversation(stored, ref, messages);
        if (next.changed) {
          const offset = ref.offset;
          await client.query('DELETE FROM da_conversation_messages WHERE conversation_id = $1 AND position >= $2', [
            ref.id,
            offset,
          ]);
          if (messages.length) {
            const values = messages.map((_, i) => `($1, $${i * 2 + 2}, $${i * 2 + 3})`).join(', ');
            const params = messages.flatMap((m, i) => [offset + i, JSON.stringify(m)]);
            await client.query(
              `INSERT INTO da_conversation_messages (conversation_id, position, message) VALUES ${values}`,
              [ref.id, ...params],
            );
          }
          await client.query(
            'UPDATE da_conversations SET revision = $2, length = $3, updated_at = now() WHERE id = $1',
            [ref.id, ref.revision, offset + messages.length],
          );
        }
        const all = await readMessages(client, ref.id);
        await client.query('COMMIT');
        return all;
      } catch (err) {
        await client?.query('ROLLBACK').catch(() => undefined);
        throw storeFailure(ref.id, err);
      } finally {
        client?.release();
      }
    },
    close: () => pool.end(),
  };
}
