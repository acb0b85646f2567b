/**
 * All activities the worker registers, built from their clients so tests can hand in their own.
 */
import type { Provider } from '../common/model-id';
import { createModelActivities } from './models';
import type { ModelAdapter } from './models/types';
import { createToolActivities } from './tools';

export interface ActivityDeps {
  adapters: Partial<Record<Provider, ModelAdapter>>;
  workspaceDir: string;
  knowledgeBaseDir: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createModelActivities({ adapters: deps.adapters }),
    ...createToolActivities({ workspaceDir: deps.workspaceDir, knowledgeBaseDir: deps.knowledgeBaseDir }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
