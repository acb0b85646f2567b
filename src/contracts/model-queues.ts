/**
 * Each provider's model calls have a task queue of their own, `<taskQueue>-model-<provider>`, so Temporal's
 * task-queue rate limit (maxTaskQueueActivitiesPerSecond) caps one provider's calls across every worker.
 */
import { parseModelId } from './model-id';

/** Patch id of the change that sent model calls to the provider's task queue. */
export const MODEL_PROVIDER_QUEUE_PATCH = 'model-provider-task-queue';

export function modelTaskQueue(taskQueue: string, provider: string): string {
  return `${taskQueue}-model-${provider}`;
}

export function modelTaskQueueFor(taskQueue: string, model: string): string {
  return modelTaskQueue(taskQueue, parseModelId(model).provider);
}
