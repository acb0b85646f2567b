/** What a run's history says that its `state` query does not. */
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';

/** What a continued-as-new agent run was handed by the runs before it. */
export interface CarriedOver {
  /** Steps the earlier runs made (0 for a first run). */
  steps: number;
  /** How the conversation came over: whole, or as a reference into the conversation store. */
  conversation?: 'messages' | 'reference';
}

/** Reads the carried-over part of an agent run's input from its first history event. */
export async function carriedOver(
  client: Client,
  start: temporal.api.history.v1.IHistoryEvent | undefined,
): Promise<CarriedOver> {
  const payloads = start?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) return { steps: 0 };
  try {
    const input = await decodeFromPayloadsAtIndex<
      { carryOver?: { step?: number; conversation?: { kind?: 'messages' | 'reference' } } } | undefined
    >(client.options.loadedDataConverter, 0, payloads);
    const carry = input?.carryOver;
    if (!carry) return { steps: 0 };
    return { steps: carry.step ?? 0, ...(carry.conversation?.kind ? { conversation: carry.conversation.kind } : {}) };
  } catch {
    // An input this client cannot decode (payloads under another key) is read as a first run.
    return { steps: 0 };
  }
}

/** Steps the earlier runs of a continued-as-new agent run made (0 for a first run). */
export async function stepsBeforeRun(
  client: Client,
  start: temporal.api.history.v1.IHistoryEvent | undefined,
): Promise<number> {
  return (await carriedOver(client, start)).steps;
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
