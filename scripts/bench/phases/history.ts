/**
 * e. History bytes per step: the finished run's event history, as the server stores it (protobuf) and as
 * `temporal workflow show --output json` or the Web UI download gives it (proto JSON).
 */
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { round } from '../stats';

export interface HistoryFigures {
  workflowId: string;
  events: number;
  protoBytes: number;
  jsonBytes: number;
  /** Payload bytes (inputs and results of the workflow and its activities) within the protobuf size. */
  payloadBytes: number;
  eventsPerStep: number;
  protoBytesPerStep: number;
  jsonBytesPerStep: number;
  payloadBytesPerStep: number;
  /** Events of each type in the run (e.g. `EVENT_TYPE_MARKER_RECORDED: 3`), so a change in events per step has a name. */
  eventTypes: Record<string, number>;
}

/** Sums the `data` of every payload in an event, wherever it sits. */
function payloadBytes(value: unknown): number {
  if (!value || typeof value !== 'object') return 0;
  if (value instanceof Uint8Array) return 0;
  let total = 0;
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && 'metadata' in record) total += record.data.length;
  for (const [key, child] of Object.entries(record)) {
    if (key === 'data' || key === 'metadata') continue;
    total += payloadBytes(child);
  }
  return total;
}

export async function measureHistory(client: Client, workflowId: string, steps: number): Promise<HistoryFigures> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events?.length ?? 0;
  const protoBytes = temporal.api.history.v1.History.encode(history).finish().length;
  const jsonBytes = Buffer.byteLength(historyToJSON(history));
  const payloads = (history.events ?? []).reduce((sum, e) => sum + payloadBytes(e), 0);
  const eventTypes: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const name = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
    const short = name.replace(/^EVENT_TYPE_/, '');
    eventTypes[short] = (eventTypes[short] ?? 0) + 1;
  }
  return {
    workflowId,
    events,
    protoBytes,
    jsonBytes,
    payloadBytes: payloads,
    eventsPerStep: round(events / steps, 1),
    protoBytesPerStep: Math.round(protoBytes / steps),
    jsonBytesPerStep: Math.round(jsonBytes / steps),
    payloadBytesPerStep: Math.round(payloads / steps),
    eventTypes,
  };
}
