/**
 * Each provider's model calls have a task queue of their own, `<taskQueue>-model-<provider>`, so Temporal's
 * task-queue rate limit (maxTaskQueueActivitiesPerSecond) caps one provider's calls across every worker.
 */
import { parseModelId, type Provider } from './model-id';

/**
 * Which providers' model calls go to their own queue: the providers this worker fleet rate-limits, or `'all'`
 * when the worker cannot tell (its model queues are polled by other processes, whose limits it does not know).
 * The calls of every other provider stay on the workflow's own task queue, where the server may hand them to the
 * worker eagerly, in the same round trip as the workflow task that scheduled them.
 */
export type ProviderQueues = readonly Provider[] | 'all';

export function modelTaskQueue(taskQueue: string, provider: string): string {
  return `${taskQueue}-model-${provider}`;
}

export function modelTaskQueueFor(taskQueue: string, model: string): string {
  return modelTaskQueue(taskQueue, parseModelId(model).provider);
}

/** The task queue of a model call under `queues`: its provider's queue, or `undefined` for the workflow's own. */
export function routedModelTaskQueue(taskQueue: string, model: string, queues: ProviderQueues): string | undefined {
  const { provider } = parseModelId(model);
  return queues === 'all' || queues.includes(provider) ? modelTaskQueue(taskQueue, provider) : undefined;
}
