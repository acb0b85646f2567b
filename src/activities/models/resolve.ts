/** What model activities need: the adapters per provider and the conversation store. */
import { ApplicationFailure, type Info } from '@temporalio/activity';
import { ErrorType } from '../../contracts/errors';
import type { ModelRequest } from '../../contracts/messages';
import { parseModelId, type ModelId, type Provider } from '../../contracts/model-id';
import type { ConversationStore } from '../conversation/store';
import type { ModelAdapter } from './types';
import type { TokenBroker } from '../../streaming/broker';
import type { ReplayProvider } from '../replay/recordings';
import { priceFor, unpricedModelMessage, type ModelPrice } from '../../contracts/pricing';

export interface ModelActivityDeps {
  adapters: Partial<Record<Provider, ModelAdapter>>;
  /** Where conversations passed by reference live; without it such calls fail as invalid requests. */
  conversations?: ConversationStore;
  /** Prices that override or extend the built-in table (AGENT_PRICES_FILE); reported with each response. */
  prices?: Record<string, ModelPrice>;
  /**
   * Serve models missing from the price table even when a cost budget binds the call (AGENT_ALLOW_UNPRICED_MODELS);
   * off by default, so such a call is refused with a non-retryable `ModelUnpriced` before the provider is called.
   */
  allowUnpricedModels?: boolean;
  /** Where the text of each call goes as the model writes it (live tokens); without it, nowhere. */
  tokens?: TokenBroker;
  /** Answers replay runs' requests from their recordings (src/activities/replay); one is made when absent. */
  replay?: ReplayProvider;
}

const providerEnv: Record<Provider, string> = {
  openai: 'OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)',
  anthropic: 'ANTHROPIC_API_KEY',
  mock: 'MOCK_LLM_URL',
};

/** The adapter serving a model id, or a non-retryable failure naming what to configure. */
export function resolveAdapter(deps: ModelActivityDeps, model: string): { id: ModelId; adapter: ModelAdapter } {
  let id;
  try {
    id = parseModelId(model);
  } catch (err) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidRequest,
      message: (err as Error).message,
      nonRetryable: true,
    });
  }
  const adapter = deps.adapters[id.provider];
  if (!adapter) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidRequest,
      message: `model ${model}: provider "${id.provider}" is not configured on this worker; set ${providerEnv[id.provider]}`,
      nonRetryable: true,
    });
  }
  return { id, adapter };
}

/**
 * Refuses a call a cost budget binds when the worker has no price for its model: the budget would count the
 * call as $0 and never stop the run. Checked here, where the worker's price table is, before the provider is
 * called, so no unpriced call is ever made or paid for; the failure is non-retryable and typed.
 */
export function requirePriceFor(
  deps: ModelActivityDeps,
  prices: Record<string, ModelPrice>,
  request: { model: string; requirePrice?: boolean },
): void {
  if (!request.requirePrice || deps.allowUnpricedModels || priceFor(request.model, prices)) return;
  throw ApplicationFailure.create({
    type: ErrorType.ModelUnpriced,
    message: unpricedModelMessage(request.model),
    nonRetryable: true,
  });
}

/**
 * The one conversation a run's model activities may read and write: the workflow names its conversation after
 * its namespace and workflow id (continued runs keep the id), so that is what the activity expects.
 */
export function ownConversationId(info: Pick<Info, 'namespace' | 'workflowExecution'>): string | undefined {
  const workflowId = info.workflowExecution?.workflowId;
  return workflowId === undefined ? undefined : `${info.namespace}/${workflowId}`;
}

/**
 * The whole conversation of a request: its messages, or for a by-reference request the stored conversation.
 * A reference to any conversation but `owner` (the calling run's own) is refused with a non-retryable
 * `ConversationForeign` before the store is touched: a run's input must not let it read or overwrite another's.
 */
export async function conversationOf(
  deps: ModelActivityDeps,
  request: Pick<ModelRequest, 'messages' | 'conversation'>,
  owner: string | undefined,
): Promise<ModelRequest['messages']> {
  if (!request.conversation) return request.messages;
  if (request.conversation.id !== owner) {
    throw ApplicationFailure.create({
      type: ErrorType.ConversationForeign,
      message: `conversation ${request.conversation.id} is not this run's own (${owner ?? 'no workflow'}); a run reads and writes only its own conversation`,
      nonRetryable: true,
    });
  }
  if (!deps.conversations) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidRequest,
      message: 'this worker has no conversation store, so it cannot serve a conversation passed by reference',
      nonRetryable: true,
    });
  }
  return deps.conversations.sync(request.conversation, request.messages);
}
