/**
 * The conversation stores behind by-reference model calls: the shared write rule, the local file store and the
 * PostgreSQL store on a throwaway cluster (initdb + pg_ctl on a free 127.0.0.1 port), and an agent run on the
 * dev server whose conversation lives in PostgreSQL.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { Pool } from 'pg';
import { createPostgresConversationStore } from '../../src/activities/conversation/postgres';
import {
  createFileConversationStore,
  nextConversation,
  type ConversationStore,
} from '../../src/activities/conversation/store';
import { AGENT_WORKFLOW_TYPE, type AgentResult } from '../../src/contracts/agent-contract';
import { ErrorType } from '../../src/contracts/errors';
import { conversationStoreFromEnv } from '../../src/config/conversation-store';
import type { Message } from '../../src/contracts/messages';
import type { agentWorkflow } from '../../src/workflows';
import { startPostgres, type PostgresCluster } from '../helpers/postgres';
import { startTestStack } from '../helpers/stack';

const user = (content: string): Message => ({ role: 'user', content });

async function missing(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.equal(err.type, ErrorType.ConversationMissing);
    assert.equal(err.nonRetryable, true);
    return true;
  });
}

/** The same round trip for every store: start, append, retry, rewrite, and refusals of unknown bases. */
async function roundTrip(store: ConversationStore, id: string): Promise<void> {
  assert.deepEqual(await store.sync({ id, revision: 'r/1', offset: 0 }, [user('a'), user('b')]), [
    user('a'),
    user('b'),
  ]);
  assert.deepEqual(await store.sync({ id, base: 'r/1', revision: 'r/2', offset: 2 }, [user('c')]), [
    user('a'),
    user('b'),
    user('c'),
  ]);
  // A retried attempt of the same write (its reply was lost) reads back the same conversation, unchanged.
  assert.deepEqual(await store.sync({ id, base: 'r/1', revision: 'r/2', offset: 2 }, [user('c')]), [
    user('a'),
    user('b'),
    user('c'),
  ]);
  // Building on a revision the store no longer holds is refused, so the workflow resends the whole conversation.
  await missing(store.sync({ id, base: 'r/1', revision: 'r/3', offset: 2 }, [user('x')]));
  await missing(store.sync({ id: `${id}-unknown`, base: 'r/1', revision: 'r/1', offset: 1 }, [user('x')]));
  // Offset 0 rewrites it (after context compaction); later appends build on that.
  assert.deepEqual(await store.sync({ id, revision: 'r/4', offset: 0 }, [user('summary')]), [user('summary')]);
  assert.deepEqual(await store.sync({ id, base: 'r/4', revision: 'r/5', offset: 1 }, [user('d'), user('e')]), [
    user('summary'),
    user('d'),
    user('e'),
  ]);
  // Appending after a prefix of the stored revision replaces what followed it.
  assert.deepEqual(await store.sync({ id, base: 'r/5', revision: 'r/6', offset: 2 }, [user('f')]), [
    user('summary'),
    user('d'),
    user('f'),
  ]);
  const tool: Message = { role: 'tool', toolCallId: 'c1', toolName: 'calculator', content: 'é ✓ 😀', isError: true };
  assert.deepEqual((await store.sync({ id, base: 'r/6', revision: 'r/7', offset: 3 }, [tool]))[3], tool);
}

describe('nextConversation', () => {
  it('says what to store, and refuses a base the store does not hold', () => {
    assert.deepEqual(nextConversation(undefined, { id: 'c', revision: 'r1', offset: 0 }, [user('a')]), {
      conversation: { revision: 'r1', messages: [user('a')] },
      changed: true,
    });
    const stored = { revision: 'r1', messages: [user('a')] };
    assert.equal(nextConversation(stored, { id: 'c', revision: 'r1', offset: 1 }, [user('b')]).changed, false);
    assert.throws(
      () => nextConversation(stored, { id: 'c', base: 'r1', revision: 'r2', offset: 2 }, []),
      /holds revision r1 \(1 messages\)/,
    );
  });
});

describe('conversation store settings', () => {
  it('default to files, take PostgreSQL with a URL, and name the variable that is wrong', () => {
    assert.equal(conversationStoreFromEnv({}).kind, 'file');
    assert.deepEqual(conversationStoreFromEnv({ CONVERSATION_STORE_DIR: '/srv/conv' }), {
      kind: 'file',
      dir: '/srv/conv',
    });
    assert.deepEqual(
      conversationStoreFromEnv({ CONVERSATION_STORE: 'postgres', CONVERSATION_STORE_URL: 'postgres://a@h:5/d' }),
      {
        kind: 'postgres',
        url: 'postgres://a@h:5/d',
      },
    );
    assert.throws(() => conversationStoreFromEnv({ CONVERSATION_STORE: 'postgres' }), /CONVERSATION_STORE_URL/);
    assert.throws(
      () => conversationStoreFromEnv({ CONVERSATION_STORE: 's3' }),
      /CONVERSATION_STORE must be file or postgres/,
    );
  });
});

describe('file conversation store', () => {
  it('round trip', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-conv-test-'));
    try {
      await roundTrip(createFileConversationStore(dir), 'default/agent/with slashes');
      assert.deepEqual(fs.readdirSync(dir), [`${encodeURIComponent('default/agent/with slashes')}.json`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL conversation store', () => {
  let pg: PostgresCluster;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  it('round trip on a throwaway cluster', async () => {
    const store = createPostgresConversationStore(pg.url);
    try {
      await roundTrip(store, 'default/pg-round-trip');
    } finally {
      await store.close();
    }
  });

  it('serves an agent run on the dev server: the run completes and PostgreSQL holds its whole conversation', async () => {
    const store = createPostgresConversationStore(pg.url);
    const stack = await startTestStack({ conversationStore: store });
    try {
      stack.mock.addScenario('cs-pg', {
        turns: [
          { toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 3' } }] },
          { toolCalls: [{ name: 'calculator', arguments: { expression: '5 * 7' } }] },
          { text: 'The answer is 35.' },
        ],
      });
      const workflowId = `conversation-store-pg-${process.pid}`;
      const result: AgentResult = await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [
          {
            agent: 'pg',
            instructions: 'You compute.',
            input: 'Compute 5 * 7 after 2 + 3.',
            tools: ['calculator'],
            model: 'mock:cs-pg',
          },
        ],
      });
      assert.equal(result.text, 'The answer is 35.');
      // The model saw the whole conversation on every turn, though the workflow sent only new messages.
      assert.deepEqual(
        stack.mock.requests.filter((r) => r.scenario === 'cs-pg').map((r) => r.messageCount),
        [2, 4, 6],
      );
      const pool = new Pool({ connectionString: pg.url });
      try {
        const rows = await pool.query<{ message: Message }>(
          'SELECT message FROM da_conversation_messages WHERE conversation_id = $1 ORDER BY position',
          [`${stack.namespace}/${workflowId}`],
        );
        assert.deepEqual(
          rows.rows.map((r) => r.message.role),
          ['user', 'assistant', 'tool', 'assistant', 'tool'],
        );
        assert.equal(rows.rows[4]?.message.content, '35');
      } finally {
        await pool.end();
      }
    } finally {
      await stack.stop();
      await store.close();
    }
  });
});
