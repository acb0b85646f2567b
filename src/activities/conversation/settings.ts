import os from 'node:os';
import path from 'node:path';

/**
 * Where conversations passed by reference are kept: files on this machine (the default), or PostgreSQL when
 * several worker machines serve the same runs. Filled by config/conversation-store.ts from the environment.
 */
export type ConversationStoreSettings = { kind: 'file'; dir: string } | { kind: 'postgres'; url: string };

/** The file store's directory when none is configured. */
export const defaultConversationStoreDir = (): string => path.join(os.tmpdir(), 'durable-agents-conversations');
