import { defaultStateDir } from '../../security/state-dirs';

/**
 * Where conversations passed by reference are kept: files on this machine (the default), or PostgreSQL when
 * several worker machines serve the same runs. Filled by config/conversation-store.ts from the environment.
 */
export type ConversationStoreSettings = { kind: 'file'; dir: string } | { kind: 'postgres'; url: string };

/**
 * The file store's directory when none is configured: the worker user's own state folder, never a shared
 * temporary one (see security/state-dirs.ts).
 */
export const defaultConversationStoreDir = (env: Record<string, string | undefined> = process.env): string =>
  defaultStateDir('conversations', env);
