/**
 * The conversation store behind by-reference model calls. `sync` writes the messages new since a revision and
 * reads the whole conversation back, in one step, so an activity retried after a lost reply gets the same
 * conversation. Two implementations: a local file store (the default; one machine) and PostgreSQL (several
 * worker machines sharing one store).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { ConversationRef } from '../../contracts/conversation';
import { ErrorType } from '../../contracts/errors';
import type { Message } from '../../contracts/messages';

export interface ConversationStore {
  /** Puts `messages` after the first `ref.offset` messages of revision `ref.base`, and returns the whole conversation. */
  sync(ref: ConversationRef, messages: Message[]): Promise<Message[]>;
  close(): Promise<void>;
}

/** What the store holds of one conversation. */
export interface StoredConversation {
  revision: string;
  messages: Message[];
}

/**
 * The store-independent rule of `sync`: given what is stored, what to store next. A retried write (the stored
 * revision is already `ref.revision`) changes nothing; a base the store does not hold fails with
 * `ConversationMissing`, which tells the workflow to send the conversation whole.
 */
export function nextConversation(
  stored: StoredConversation | undefined,
  ref: ConversationRef,
  messages: Message[],
): { conversation: StoredConversation; changed: boolean } {
  if (stored && stored.revision === ref.revision) return { conversation: stored, changed: false };
  if (ref.offset === 0) return { conversation: { revision: ref.revision, messages }, changed: true };
  const known = stored && (stored.revision === ref.base || (ref.attempted ?? []).includes(stored.revision));
  if (!stored || !known || stored.messages.length < ref.offset) {
    throw ApplicationFailure.create({
      type: ErrorType.ConversationMissing,
      message:
        `conversation ${ref.id}: the store holds ${stored ? `revision ${stored.revision} (${stored.messages.length} messages)` : 'nothing'}, ` +
        `not revision ${ref.base} with ${ref.offset} messages`,
      nonRetryable: true,
    });
  }
  return {
    conversation: { revision: ref.revision, messages: [...stored.messages.slice(0, ref.offset), ...messages] },
    changed: true,
  };
}

/** A store failure the next attempt may not see (a full disk, a dropped connection): retryable. */
export function storeFailure(id: string, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  return ApplicationFailure.create({
    type: ErrorType.ConversationStoreFailed,
    message: `conversation ${id}: store failed: ${(err as Error).message}`,
    nonRetryable: false,
    ...(err instanceof Error ? { cause: err } : {}),
  });
}

/**
 * One JSON file per conversation under `dir`, replaced atomically (write, then rename). Right for one worker
 * machine; with several, a call landing on another machine finds nothing and the workflow resends the
 * conversation whole, which is correct but gives up the savings: use PostgreSQL there.
 */
export function createFileConversationStore(dir: string): ConversationStore {
  const fileOf = (id: string) => path.join(dir, `${encodeURIComponent(id)}.json`);
  let made: Promise<unknown> | undefined;
  return {
    async sync(ref, messages) {
      try {
        made ??= fs.mkdir(dir, { recursive: true });
        await made;
        const file = fileOf(ref.id);
        let stored: StoredConversation | undefined;
        try {
          stored = JSON.parse(await fs.readFile(file, 'utf8')) as StoredConversation;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        const next = nextConversation(stored, ref, messages);
        if (next.changed) {
          const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
          await fs.writeFile(temp, JSON.stringify(next.conversation));
          await fs.rename(temp, file);
        }
        return next.conversation.messages;
      } catch (err) {
        throw storeFailure(ref.id, err);
      }
    },
    close: async () => undefined,
  };
}
