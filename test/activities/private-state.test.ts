/**
 * A worker's state is its user's alone: the conversation store and the workspace live in folders created 0700
 * with files 0600, a folder that is a symlink, belongs to another user or is writable by others is refused, a
 * conversation's file name is safe for any id, a store that cannot heal fails for good, and a model activity
 * serves only its own run's conversation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { conversationFileName, createFileConversationStore } from '../../src/activities/conversation/store';
import { createModelActivities } from '../../src/activities/models';
import type { ModelAdapter } from '../../src/activities/models/types';
import { readWorkspaceFile, writeWorkspaceFile } from '../../src/activities/tools/workspace';
import { defaultStateDir } from '../../src/security/state-dirs';
import { ErrorType } from '../../src/contracts/errors';
import type { Message, ModelRequest, ModelResponse } from '../../src/contracts/messages';
import { ensurePrivateDir, UnsafeDirectoryError } from '../../src/security/private-dir';
import { quietActivityEnv } from '../helpers/activity-env';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'da-private-state-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;
const user = (content: string): Message => ({ role: 'user', content });

/** A folder owned by another user: chowned when the tests run as root, a system folder otherwise. */
function foreignDir(): string {
  if (process.getuid?.() === 0) {
    const dir = path.join(scratch, 'someone-elses');
    fs.mkdirSync(dir, { mode: 0o700, recursive: true });
    fs.chownSync(dir, 65534, 65534);
    return dir;
  }
  return '/usr';
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('private folders', () => {
  it('creates missing folders 0700 and accepts its own', async () => {
    const dir = path.join(scratch, 'made', 'deeper');
    await ensurePrivateDir(dir);
    assert.equal(modeOf(dir), 0o700);
    await ensurePrivateDir(dir);
  });

  it('refuses a symlink, a folder of another user, one others may write, and one in a folder anyone may swap', async () => {
    const target = path.join(scratch, 'real');
    fs.mkdirSync(target, { mode: 0o700 });
    const link = path.join(scratch, 'link');
    fs.symlinkSync(target, link);
    await assert.rejects(ensurePrivateDir(link), (err: unknown) => {
      assert.ok(err instanceof UnsafeDirectoryError);
      assert.match(err.message, /is a symbolic link/);
      return true;
    });
    await assert.rejects(ensurePrivateDir(foreignDir()), /is owned by uid \d+, not by this worker's user/);
    const open = path.join(scratch, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    await assert.rejects(ensurePrivateDir(open), /is writable by other users \(mode 777\)/);
    const shared = path.join(scratch, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o777);
    await assert.rejects(ensurePrivateDir(path.join(shared, 'mine')), /which anyone may write \(no sticky bit\)/);
  });

  it('defaults to the user’s state folder, not a shared temporary one', () => {
    assert.equal(
      defaultStateDir('conversations', { XDG_STATE_HOME: '/srv/state' }),
      '/srv/state/durable-agents/conversations',
    );
    const home = defaultStateDir('workspace', {});
    assert.ok(!home.startsWith(os.tmpdir()) || home.includes(`durable-agents-${process.getuid?.()}`), home);
    assert.notEqual(home, path.join(os.tmpdir(), 'durable-agents-workspace'));
  });
});

describe('file conversation store', () => {
  it('writes 0600 files in a 0700 folder it creates', async () => {
    const dir = path.join(scratch, 'conversations');
    const store = createFileConversationStore(dir);
    await store.sync({ id: 'default/perm', revision: 'r/1', offset: 0 }, [user('a')]);
    assert.equal(modeOf(dir), 0o700);
    const [file] = fs.readdirSync(dir);
    assert.equal(modeOf(path.join(dir, file as string)), 0o600);
  });

  it('names files safely for ids of any length or script', async () => {
    const dir = path.join(scratch, 'names');
    const store = createFileConversationStore(dir);
    const ids = [`default/${'x'.repeat(300)}`, 'default/заказ-東京-🚀', 'default/a/../../b', 'default/a b'];
    for (const id of ids) {
      assert.deepEqual(await store.sync({ id, revision: 'r/1', offset: 0 }, [user(id)]), [user(id)]);
      assert.deepEqual(await store.sync({ id, base: 'r/1', revision: 'r/2', offset: 1 }, [user('more')]), [
        user(id),
        user('more'),
      ]);
    }
    const names = fs.readdirSync(dir);
    assert.equal(names.length, ids.length, 'one file per id, all distinct');
    for (const name of names) {
      assert.match(name, /^[A-Za-z0-9_-]{1,80}\.[0-9a-f]{32}\.json$/);
      assert.ok(Buffer.byteLength(name) < 255);
    }
    assert.notEqual(conversationFileName('default/a b'), conversationFileName('default/a_b'));
  });

  it('fails for good, not retryably, on a corrupt file, and refuses a folder that is a symlink', async () => {
    const dir = path.join(scratch, 'corrupt');
    const store = createFileConversationStore(dir);
    await store.sync({ id: 'default/c', revision: 'r/1', offset: 0 }, [user('a')]);
    fs.writeFileSync(path.join(dir, conversationFileName('default/c')), '{"revision": "r/1", "messa');
    const corrupt = await failureOf(store.sync({ id: 'default/c', base: 'r/1', revision: 'r/2', offset: 1 }, []));
    assert.equal(corrupt.type, ErrorType.ConversationStoreUnusable);
    assert.equal(corrupt.nonRetryable, true);
    assert.match(corrupt.message, /not valid JSON/);

    const link = path.join(scratch, 'store-link');
    fs.symlinkSync(dir, link);
    const linked = await failureOf(
      createFileConversationStore(link).sync({ id: 'default/c', revision: 'r/9', offset: 0 }, []),
    );
    assert.equal(linked.type, ErrorType.ConversationStoreUnusable);
    assert.equal(linked.nonRetryable, true);
    assert.match(linked.message, /is a symbolic link/);
  });
});

describe('workspace folder', () => {
  it('writes 0600 files, and refuses a workspace that is a symlink or belongs to someone else', async () => {
    const workspace = path.join(scratch, 'workspace');
    await writeWorkspaceFile(workspace, { path: 'notes/a.md', content: 'hi' });
    assert.equal(modeOf(workspace), 0o700);
    assert.equal(modeOf(path.join(workspace, 'notes')), 0o700);
    assert.equal(modeOf(path.join(workspace, 'notes/a.md')), 0o600);

    const link = path.join(scratch, 'workspace-link');
    fs.symlinkSync(workspace, link);
    await assert.rejects(readWorkspaceFile(link, { path: 'notes/a.md' }), /the workspace .* is a symbolic link/);
    await assert.rejects(readWorkspaceFile(foreignDir(), { path: 'x' }), /is owned by uid/);
  });
});

describe('conversation ownership in model activities', () => {
  const adapter: ModelAdapter = {
    provider: 'mock',
    complete: async () => ({
      message: { role: 'assistant', content: 'ok' },
      usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
      stopReason: 'end_turn',
      providerModel: 'x',
    }),
  };

  it('serves its own run’s conversation and refuses another run’s before touching the store', async () => {
    const dir = path.join(scratch, 'owned');
    const store = createFileConversationStore(dir);
    await store.sync({ id: 'default/victim', revision: 'v/1', offset: 0 }, [user('secret of the victim')]);
    const activities = createModelActivities({ adapters: { mock: adapter }, conversations: store });
    const request = (id: string): ModelRequest => ({
      model: 'mock:x',
      system: 's',
      messages: [user('overwrite')],
      tools: [],
      conversation: { id, revision: 'a/1', offset: 0 },
    });
    const { env } = quietActivityEnv({
      namespace: 'default',
      workflowExecution: { workflowId: 'attacker', runId: 'r' },
    });
    const refused = await failureOf(env.run(activities.callModel, request('default/victim')));
    assert.equal(refused.type, ErrorType.ConversationForeign);
    assert.equal(refused.nonRetryable, true);
    assert.match(refused.message, /default\/victim is not this run's own \(default\/attacker\)/);
    const summarize = await failureOf(
      env.run(activities.summarizeConversation, {
        model: 'mock:x',
        messages: [],
        conversation: { id: 'default/victim', revision: 'a/2', offset: 0 },
        from: 0,
        to: 1,
      }),
    );
    assert.equal(summarize.type, ErrorType.ConversationForeign);
    // The victim's conversation is as it was.
    assert.deepEqual(await store.sync({ id: 'default/victim', revision: 'v/1', offset: 1 }, []), [
      user('secret of the victim'),
    ]);
    const own = (await env.run(activities.callModel, request('default/attacker'))) as ModelResponse;
    assert.equal(own.message.content, 'ok');
  });
});
