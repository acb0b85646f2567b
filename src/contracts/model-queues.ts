/**
 * Each provider's model calls have a task queue of their own, `<taskQueue>-model-<provider>`, so Temporal's
 * task-queue rate limit (maxTaskQueueActivitiesPerSecond) caps one provider's calls across every worker.
 */
import { parseModelId } from './model-id';

export function modelTaskQueue(taskQueue: string, provider: string): string {
  return `${taskQueue}-model-${provider}`;
}

export function modelTaskQueueFor(taskQueue: string, model: string): string {
  return modelTaskQueue(taskQueue, parseModelId(model).provider);
}
