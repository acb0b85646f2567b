/** Builds the configured conversation store. */
import type { ConversationStoreSettings } from './settings';
import { createPostgresConversationStore } from './postgres';
import { createFileConversationStore, type ConversationStore } from './store';

export type { ConversationStore } from './store';
export { defaultConversationStoreDir, type ConversationStoreSettings } from './settings';

export function createConversationStore(settings: ConversationStoreSettings): ConversationStore {
  return settings.kind === 'postgres'
    ? // allowExitOnIdle: idle connections must not keep a stopped worker's process alive.
      createPostgresConversationStore({ connectionString: settings.url, max: 5, allowExitOnIdle: true })
    : createFileConversationStore(settings.dir);
}
