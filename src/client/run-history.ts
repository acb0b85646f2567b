/** What a run's history says that its `state` query does not. */
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';

/** Steps the earlier runs of a continued-as-new agent run made, from the carried-over input (0 for a first run). */
export async function stepsBeforeRun(
  client: Client,
  start: temporal.api.history.v1.IHistoryEvent | undefined,
): Promise<number> {
  const payloads = start?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) return 0;
  try {
    const input = await decodeFromPayloadsAtIndex<{ carryOver?: { step?: number } } | undefined>(
      client.options.loadedDataConverter,
      0,
      payloads,
    );
    return input?.carryOver?.step ?? 0;
  } catch {
    // An input this client cannot decode (payloads under another key) is read as a first run.
    return 0;
  }
}

/** The same for a run of a workflow id, reading only the first page of its history. */
export async function stepsBeforeRunOf(client: Client, workflowId: string, runId: string): Promise<number> {
  const response = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  return stepsBeforeRun(client, response.history?.events?.[0] ?? undefined);
}
