/**
 * The conversation store behind by-reference model calls. `sync` writes the messages new since a revision and
 * reads the whole conversation back, in one step, so an activity retried after a lost reply gets the same
 * conversation. Two implementations: a local file store (the default; one machine) and PostgreSQL (several
 * worker machines sharing one store).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { ConversationRef } from '../../contracts/conversation';
import { ErrorType } from '../../contracts/errors';
import type { Message } from '../../contracts/messages';
import { ensurePrivateDir, PRIVATE_FILE_MODE, UnsafeDirectoryError } from '../../security/private-dir';

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

/** File system errors that the same request meets again on every attempt. */
const lastingErrnos = new Set(['ENAMETOOLONG', 'ELOOP', 'EISDIR', 'ENOTDIR']);

/** Stored content that is not a conversation: a retry would read the same bytes. */
export class CorruptConversationError extends Error {}

/**
 * A store failure as a typed failure. One no retry can mend (a corrupt file, a name the file system refuses,
 * a folder that fails its safety checks) is a non-retryable `ConversationStoreUnusable`; one the next attempt
 * may not see (a full disk, a dropped connection) is a retryable `ConversationStoreFailed`.
 */
export function storeFailure(id: string, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const lasting =
    err instanceof CorruptConversationError ||
    err instanceof UnsafeDirectoryError ||
    (code !== undefined && lastingErrnos.has(code));
  return ApplicationFailure.create({
    type: lasting ? ErrorType.ConversationStoreUnusable : ErrorType.ConversationStoreFailed,
    message: `conversation ${id}: store ${lasting ? 'cannot serve it' : 'failed'}: ${(err as Error).message}`,
    nonRetryable: lasting,
    ...(err instanceof Error ? { cause: err } : {}),
  });
}

/** Longest readable part of a conversation's file name; the rest is a digest of the whole id. */
const READABLE_NAME_CHARS = 80;

/**
 * The file name of a conversation: the id's first characters made safe, then a digest of the whole id, so ids
 * of any length and any script (workflow ids are arbitrary strings) give a short, distinct, portable name.
 */
export function conversationFileName(id: string): string {
  const readable = id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, READABLE_NAME_CHARS);
  const digest = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 32);
  return `${readable}.${digest}.json`;
}

/** The name files had before {@link conversationFileName}; read when a conversation has no file by the new one. */
function legacyFileName(id: string): string | undefined {
  const name = `${encodeURIComponent(id)}.json`;
  // Longer names could never have been written (ENAMETOOLONG).
  return Buffer.byteLength(name) <= 255 ? name : undefined;
}

function parseStored(text: string, file: string): StoredConversation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CorruptConversationError(`${file} is not valid JSON (${(err as Error).message})`);
  }
  const v = value as Partial<StoredConversation> | null;
  if (!v || typeof v.revision !== 'string' || !Array.isArray(v.messages)) {
    throw new CorruptConversationError(`${file} does not hold a conversation (revision and messages)`);
  }
  return v as StoredConversation;
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * One JSON file per conversation under `dir`, replaced atomically (write, then rename). Right for one worker
 * machine; with several, a call landing on another machine finds nothing and the workflow resends the
 * conversation whole, which is correct but gives up the savings: use PostgreSQL there. The folder is created
 * 0700 (an existing one must pass {@link ensurePrivateDir}) and files are written 0600: conversations are the
 * worker user's alone.
 */
export function createFileConversationStore(dir: string): ConversationStore {
  let made: Promise<void> | undefined;
  return {
    async sync(ref, messages) {
      try {
        made ??= ensurePrivateDir(dir).catch((err: unknown) => {
          // A folder that could not be made (permissions fixed since) is tried again on the next attempt.
          made = undefined;
          throw err;
        });
        await made;
        const file = path.join(dir, conversationFileName(ref.id));
        const legacy = legacyFileName(ref.id);
        let text = await readIfPresent(file);
        let from = file;
        if (text === undefined && legacy) {
          from = path.join(dir, legacy);
          text = await readIfPresent(from);
        }
        const stored = text === undefined ? undefined : parseStored(text, from);
        const next = nextConversation(stored, ref, messages);
        if (next.changed) {
          const temp = `${file}.${randomUUID()}.tmp`;
          await fs.writeFile(temp, JSON.stringify(next.conversation), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
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
