/**
 * A run as a conversation, read from its Temporal history: each model call (the `callModel` activity: what it
 * answered, its usage and cost), each tool call (`tool:<name>` and MCP activities: arguments and result), each
 * decision (the `decide` update, the `approve` / `reject` signals), each child run. Payloads are decoded with the
 * client's data converter, so a client holding the payload keys reads encrypted runs too.
 *
 * What it cannot show: a run whose conversation travels by reference sends each model call only the new
 * messages, so the transcript holds what the model answered and the tools returned, not the full prompt of each
 * call; earlier runs of a continued-as-new workflow id (only the current run's history is read); what context
 * window management summarized away; a model attempt that failed and was retried inside one activity (history
 * keeps the last attempt only).
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { PendingApproval } from '../contracts/agent-contract';
import type { RoutingDecision } from '../contracts/graph-contract';
import { GRAPH_WORKFLOW_TYPE } from '../contracts/graph-contract';
import { queryState } from './live-state';
import { TranscriptBuilder } from './transcript-builder';
import { boundedRouting, TRANSCRIPT_MAX_EVENTS, type Transcript } from './transcript-items';

export type {
  ChildRef,
  Transcript,
  TranscriptApprovalItem,
  TranscriptChildItem,
  TranscriptItem,
  TranscriptModelItem,
  TranscriptToolItem,
} from './transcript-items';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Reads history pages until the end or TRANSCRIPT_MAX_EVENTS. */
async function readHistory(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<{ events: HistoryEvent[]; truncated: boolean }> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    if (events.length > TRANSCRIPT_MAX_EVENTS || (events.length === TRANSCRIPT_MAX_EVENTS && nextPageToken)) {
      return { events: events.slice(0, TRANSCRIPT_MAX_EVENTS), truncated: true };
    }
  } while (nextPageToken);
  return { events, truncated: false };
}

/**
 * The transcript of a run (its current run, for a continued-as-new workflow id). A running run's pending
 * approvals and a running graph's routing come from its `state` query when a worker answers it.
 */
export async function runTranscript(client: Client, workflowId: string): Promise<Transcript> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const { events, truncated } = await readHistory(client, workflowId, description.runId);
  const builder = new TranscriptBuilder(client);
  for (const event of events) await builder.add(event);
  const running = description.status.name === 'RUNNING';
  if (running) {
    const answer = await queryState(client, workflowId, description.taskQueue);
    if (answer.ok) {
      const state = answer.state as { pendingApprovals?: PendingApproval[]; decisions?: RoutingDecision[] };
      builder.addPending(state.pendingApprovals ?? []);
      if (description.type === GRAPH_WORKFLOW_TYPE && state.decisions)
        builder.routing = boundedRouting(state.decisions);
    }
  }
  const { workflowType: _type, ...header } = builder.header;
  return {
    workflowId,
    runId: description.runId,
    workflowType: description.type,
    status: description.status.name.toLowerCase(),
    ...header,
    input: header.input ?? null,
    items: builder.items,
    children: builder.children,
    ...(builder.routing ? { routing: builder.routing } : {}),
    ...(truncated ? { truncated: true } : {}),
  };
}
