/**
 * Whether any worker polls a task queue (DescribeTaskQueue), so the client can say "nobody will run this" within
 * seconds instead of letting a start, a query or a decision wait in silence.
 */
import type { Client } from '@temporalio/client';
import { modelTaskQueue } from '../contracts/model-queues';
import type { MissingWorker } from './errors';

/** How long a DescribeTaskQueue may take; the server answers from memory in milliseconds. */
export const DESCRIBE_TIMEOUT_MS = 10_000;

// Numeric values of temporal.api.enums.v1.TaskQueueKind.NORMAL and TaskQueueType.WORKFLOW / ACTIVITY; the
// proto package is not a direct dependency, and these values are fixed by the wire protocol.
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

async function hasPollers(client: Client, taskQueue: string, type: number): Promise<boolean> {
  try {
    const response = await client.connection.withDeadline(Date.now() + DESCRIBE_TIMEOUT_MS, () =>
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
        taskQueueType: type,
      }),
    );
    return (response.pollers?.length ?? 0) > 0;
  } catch {
    // Some deployments restrict DescribeTaskQueue; what follows (a query, the run itself) will tell.
    return true;
  }
}

/** Whether any worker has polled the task queue for workflow tasks recently; true when the server cannot say. */
export function hasWorkflowPollers(client: Client, taskQueue: string): Promise<boolean> {
  return hasPollers(client, taskQueue, TASK_QUEUE_TYPE_WORKFLOW);
}

/** Whether any worker has polled the task queue for activity tasks recently; true when the server cannot say. */
export function hasActivityPollers(client: Client, taskQueue: string): Promise<boolean> {
  return hasPollers(client, taskQueue, TASK_QUEUE_TYPE_ACTIVITY);
}

/**
 * What a run on `taskQueue` calling models of `providers` lacks: no agent worker on the queue, or no model worker
 * on a provider's `<taskQueue>-model-<provider>` queue (that provider has no key configured on any worker).
 */
export async function missingWorkers(
  client: Client,
  taskQueue: string,
  providers: readonly string[],
): Promise<MissingWorker[]> {
  const missing: MissingWorker[] = [];
  if (!(await hasWorkflowPollers(client, taskQueue))) {
    missing.push({
      kind: 'workflow',
      taskQueue,
      message: `no worker is polling task queue ${taskQueue} (start one with npm run worker)`,
    });
    // Without the agent worker the model queues say nothing useful: the worker starts them beside itself.
    return missing;
  }
  for (const provider of [...new Set(providers)]) {
    const queue = modelTaskQueue(taskQueue, provider);
    if (await hasActivityPollers(client, queue)) continue;
    missing.push({
      kind: 'model',
      taskQueue: queue,
      provider,
      message:
        `no worker serves ${provider} models (nobody polls ${queue}); ` +
        `configure ${provider} on a worker of ${taskQueue}, or pick another --model`,
    });
  }
  return missing;
}
