/** The conversation store from the environment (CONVERSATION_STORE, CONVERSATION_STORE_DIR, CONVERSATION_STORE_URL). */
import path from 'node:path';
import { defaultConversationStoreDir, type ConversationStoreSettings } from '../activities/conversation/settings';
import { UserError } from '../contracts/errors';
import { nonEmpty, type Env } from './values';

/** Files under a directory by default; PostgreSQL when CONVERSATION_STORE=postgres names a URL. */
export function conversationStoreFromEnv(env: Env = process.env): ConversationStoreSettings {
  const kind = nonEmpty(env.CONVERSATION_STORE) ?? 'file';
  if (kind === 'file') {
    return { kind, dir: path.resolve(nonEmpty(env.CONVERSATION_STORE_DIR) ?? defaultConversationStoreDir()) };
  }
  if (kind === 'postgres') {
    const url = nonEmpty(env.CONVERSATION_STORE_URL);
    if (!url || !/^postgres(ql)?:\/\//.test(url)) {
      throw new UserError('CONVERSATION_STORE=postgres needs CONVERSATION_STORE_URL=postgres://user@host:port/db');
    }
    return { kind, url };
  }
  throw new UserError(`CONVERSATION_STORE must be file or postgres, not "${kind}"`);
}
