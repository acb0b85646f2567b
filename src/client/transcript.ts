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
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
} from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import type { DecideInput, DecideResult, PendingApproval } from '../contracts/agent-contract';
import { AGENT_WORKFLOW_TYPE } from '../contracts/agent-contract';
import type { RoutingDecision } from '../contracts/graph-contract';
import { GRAPH_WORKFLOW_TYPE } from '../contracts/graph-contract';
import type { ModelRequest, ModelResponse, Usage } from '../contracts/messages';
import { costOf, priceFor } from '../contracts/pricing';
import { MCP_CALL_TOOL_ACTIVITY } from '../contracts/tool-catalog';
import type { ToolCallInput, ToolCallOutput } from '../contracts/tool-specs';
import { queryState } from './live-state';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Characters of one text (a model answer, tool arguments, a tool result) a transcript carries. */
export const TRANSCRIPT_TEXT_CHARS = 20_000;
/** History events read at most; a longer run's transcript says `truncated`. */
export const TRANSCRIPT_MAX_EVENTS = 20_000;

export interface TranscriptModelItem {
  kind: 'model';
  step: number;
  model: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  attempt: number;
  text?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** The answer parsed as JSON, when the call asked for structured output. */
  structured?: unknown;
  usage?: Usage;
  costUsd?: number;
  /** Why the call failed (its last attempt), when it did. */
  error?: string;
}

export interface TranscriptToolItem {
  kind: 'tool';
  step: number;
  toolCallId: string;
  name: string;
  arguments: string;
  result?: string;
  error?: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
}

export interface TranscriptApprovalItem {
  kind: 'approval';
  approvalId: string;
  what: string;
  /** Absent while it waits. */
  decision?: 'approved' | 'rejected';
  by?: string;
  comment?: string;
  reason?: string;
  /** Why the run refused the decision (verification), when it did; the approval then still waits. */
  refused?: string;
  /** The child run it was passed on to, when it was raised there. */
  forwardedTo?: string;
  /** Pending ones: why it waits and what is proposed (JSON text). */
  why?: string;
  proposed?: string;
}

export interface TranscriptChildItem {
  kind: 'child';
  workflowId: string;
  workflowType: string;
  name?: string;
  status: string;
}

export type TranscriptItem = TranscriptModelItem | TranscriptToolItem | TranscriptApprovalItem | TranscriptChildItem;

/** A child run; fetch its own transcript to expand the tree. */
export interface ChildRef {
  workflowId: string;
  workflowType: string;
  name?: string;
  /** `starting`, `running`, `completed`, `failed`, `cancelled`, `timed_out`, `terminated`, `start_failed`. */
  status: string;
  runId?: string;
}

export interface Transcript {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  agent?: string;
  model?: string;
  instructions?: string;
  /** The run's request: an agent's text, a graph's initial state values. */
  input: unknown;
  items: TranscriptItem[];
  children: ChildRef[];
  routing?: RoutingDecision[];
  /** True when the history was longer than TRANSCRIPT_MAX_EVENTS and only its head was read. */
  truncated?: boolean;
}

/** `text` cut to `max` characters with a marker saying how much was left out. */
export function cutText(text: string, max = TRANSCRIPT_TEXT_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.length - max;
  return `${text.slice(0, max)}… [${cut} more characters cut]`;
}

/** A JSON value, or its text cut, when it would be larger than `max` characters as JSON. */
function boundedValue(value: unknown, max = TRANSCRIPT_TEXT_CHARS): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return cutText(value, max);
  const json = JSON.stringify(value);
  return json !== undefined && json.length > max ? cutText(json, max) : value;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

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
    if (events.length >= TRANSCRIPT_MAX_EVENTS)
      return { events: events.slice(0, TRANSCRIPT_MAX_EVENTS), truncated: true };
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events, truncated: false };
}

const childStatusOf: Record<string, string> = {
  childWorkflowExecutionCompletedEventAttributes: 'completed',
  childWorkflowExecutionFailedEventAttributes: 'failed',
  childWorkflowExecutionCanceledEventAttributes: 'cancelled',
  childWorkflowExecutionTimedOutEventAttributes: 'timed_out',
  childWorkflowExecutionTerminatedEventAttributes: 'terminated',
};

/** Builds transcripts event by event; one instance per run. */
class TranscriptBuilder {
  readonly items: TranscriptItem[] = [];
  readonly children: ChildRef[] = [];
  private readonly activities = new Map<string, TranscriptModelItem | TranscriptToolItem>();
  private readonly childrenByInitiated = new Map<string, { ref: ChildRef; item: TranscriptChildItem }>();
  private readonly updates = new Map<string, TranscriptApprovalItem>();
  private modelCallsDone = 0;
  private readonly structuredCalls = new Set<TranscriptModelItem>();
  header: Pick<Transcript, 'agent' | 'model' | 'instructions' | 'input'> & { workflowType?: string } = {
    input: undefined,
  };
  routing?: RoutingDecision[];

  constructor(private readonly client: Client) {}

  private decode<T>(payloads: temporal.api.common.v1.IPayload[] | null | undefined, index = 0): Promise<T | undefined> {
    if (!payloads?.length) return Promise.resolve(undefined);
    return decodeFromPayloadsAtIndex<T>(this.client.options.loadedDataConverter, index, payloads).catch(
      // A payload this client cannot decode (another key) shows as absent rather than failing the transcript.
      () => undefined,
    );
  }

  private async failureMessage(failure: temporal.api.failure.v1.IFailure | null | undefined): Promise<string> {
    const error = await decodeOptionalFailureToOptionalError(this.client.options.loadedDataConverter, failure).catch(
      () => undefined,
    );
    const type = (error as { type?: string } | undefined)?.type;
    const message = error?.message || failure?.message || 'failed';
    return cutText(type ? `${type}: ${message}` : message, 2_000);
  }

  async add(event: HistoryEvent): Promise<void> {
    const at = optionalTsToMs(event.eventTime);
    const id = String(event.eventId ?? '');
    if (event.workflowExecutionStartedEventAttributes) {
      const attrs = event.workflowExecutionStartedEventAttributes;
      this.header.workflowType = attrs.workflowType?.name ?? undefined;
      const input = await this.decode<Record<string, unknown>>(attrs.input?.payloads);
      this.startInput(this.header.workflowType, input);
    } else if (event.activityTaskScheduledEventAttributes) {
      await this.activityScheduled(id, event.activityTaskScheduledEventAttributes, at);
    } else if (event.activityTaskStartedEventAttributes) {
      const attrs = event.activityTaskStartedEventAttributes;
      const item = this.activities.get(String(attrs.scheduledEventId));
      if (item && at !== undefined) {
        item.startedAt = iso(at) as string;
        if (item.kind === 'model') item.attempt = attrs.attempt ?? 1;
      }
    } else if (event.activityTaskCompletedEventAttributes) {
      const attrs = event.activityTaskCompletedEventAttributes;
      const item = this.activities.get(String(attrs.scheduledEventId));
      if (!item) return;
      this.ended(item, at);
      if (item.kind === 'model') {
        this.modelCallsDone += 1;
        this.modelAnswered(item, await this.decode<ModelResponse>(attrs.result?.payloads));
      } else {
        const output = await this.decode<ToolCallOutput>(attrs.result?.payloads);
        if (output?.content !== undefined) item.result = cutText(String(output.content));
      }
    } else if (event.activityTaskFailedEventAttributes) {
      const attrs = event.activityTaskFailedEventAttributes;
      const item = this.activities.get(String(attrs.scheduledEventId));
      if (!item) return;
      this.ended(item, at);
      item.error = await this.failureMessage(attrs.failure);
    } else if (event.activityTaskTimedOutEventAttributes) {
      const item = this.activities.get(String(event.activityTaskTimedOutEventAttributes.scheduledEventId));
      if (!item) return;
      this.ended(item, at);
      item.error = 'timed out';
    } else if (event.activityTaskCanceledEventAttributes) {
      const item = this.activities.get(String(event.activityTaskCanceledEventAttributes.scheduledEventId));
      if (!item) return;
      this.ended(item, at);
      item.error = 'cancelled';
    } else if (event.startChildWorkflowExecutionInitiatedEventAttributes) {
      const attrs = event.startChildWorkflowExecutionInitiatedEventAttributes;
      const input = await this.decode<{ agent?: unknown; spec?: { name?: unknown } }>(attrs.input?.payloads);
      const name =
        typeof input?.agent === 'string'
          ? input.agent
          : typeof input?.spec?.name === 'string'
            ? input.spec.name
            : undefined;
      const ref: ChildRef = {
        workflowId: attrs.workflowId ?? '',
        workflowType: attrs.workflowType?.name ?? '',
        ...(name ? { name } : {}),
        status: 'starting',
      };
      const item: TranscriptChildItem = { kind: 'child', ...ref };
      this.children.push(ref);
      this.items.push(item);
      this.childrenByInitiated.set(id, { ref, item });
    } else if (event.startChildWorkflowExecutionFailedEventAttributes) {
      this.childStatus(event.startChildWorkflowExecutionFailedEventAttributes.initiatedEventId, 'start_failed');
    } else if (event.childWorkflowExecutionStartedEventAttributes) {
      const attrs = event.childWorkflowExecutionStartedEventAttributes;
      const child = this.childStatus(attrs.initiatedEventId, 'running');
      if (child && attrs.workflowExecution?.runId) child.ref.runId = attrs.workflowExecution.runId;
    } else if (event.workflowExecutionUpdateAcceptedEventAttributes) {
      await this.updateAccepted(event.workflowExecutionUpdateAcceptedEventAttributes);
    } else if (event.workflowExecutionUpdateCompletedEventAttributes) {
      await this.updateCompleted(event.workflowExecutionUpdateCompletedEventAttributes);
    } else if (event.workflowExecutionSignaledEventAttributes) {
      await this.signaled(event.workflowExecutionSignaledEventAttributes);
    } else if (event.workflowExecutionCompletedEventAttributes) {
      const result = await this.decode<{ decisions?: RoutingDecision[] }>(
        event.workflowExecutionCompletedEventAttributes.result?.payloads,
      );
      if (this.header.workflowType === GRAPH_WORKFLOW_TYPE && Array.isArray(result?.decisions)) {
        this.routing = result.decisions;
      }
    } else {
      for (const [key, status] of Object.entries(childStatusOf)) {
        const attrs = (event as Record<string, unknown>)[key] as { initiatedEventId?: unknown } | null | undefined;
        if (attrs) this.childStatus(attrs.initiatedEventId, status);
      }
    }
  }

  private startInput(workflowType: string | undefined, input: Record<string, unknown> | undefined): void {
    if (!input) return;
    if (workflowType === AGENT_WORKFLOW_TYPE) {
      if (typeof input.agent === 'string') this.header.agent = input.agent;
      if (typeof input.model === 'string') this.header.model = input.model;
      if (typeof input.instructions === 'string') this.header.instructions = cutText(input.instructions);
      this.header.input = boundedValue(input.input);
    } else if (workflowType === GRAPH_WORKFLOW_TYPE) {
      const spec = input.spec as { name?: unknown } | undefined;
      if (typeof spec?.name === 'string') this.header.agent = spec.name;
      this.header.input = boundedValue(input.input ?? {});
    } else {
      this.header.input = boundedValue(input);
    }
  }

  private async activityScheduled(
    id: string,
    attrs: temporal.api.history.v1.IActivityTaskScheduledEventAttributes,
    at: number | undefined,
  ): Promise<void> {
    const type = attrs.activityType?.name ?? '';
    const startedAt = iso(at) ?? new Date(0).toISOString();
    if (type === 'callModel') {
      const request = await this.decode<ModelRequest>(attrs.input?.payloads);
      const item: TranscriptModelItem = {
        kind: 'model',
        step: this.modelCallsDone + 1,
        model: request?.model ?? 'unknown',
        startedAt,
        attempt: 1,
      };
      if (request?.outputSchema) this.structuredCalls.add(item);
      this.activities.set(id, item);
      this.items.push(item);
    } else if (type.startsWith('tool:') || type === MCP_CALL_TOOL_ACTIVITY) {
      const input = await this.decode<ToolCallInput & { tool?: string }>(attrs.input?.payloads);
      const item: TranscriptToolItem = {
        kind: 'tool',
        step: this.modelCallsDone,
        toolCallId: input?.toolCallId ?? attrs.activityId ?? '',
        name: type === MCP_CALL_TOOL_ACTIVITY ? (input?.tool ?? 'mcp') : type.slice('tool:'.length),
        arguments: cutText(String(input?.arguments ?? '')),
        startedAt,
      };
      this.activities.set(id, item);
      this.items.push(item);
    }
  }

  private ended(item: TranscriptModelItem | TranscriptToolItem, at: number | undefined): void {
    if (at === undefined) return;
    item.endedAt = iso(at) as string;
    item.durationMs = Math.max(0, at - Date.parse(item.startedAt));
  }

  private modelAnswered(item: TranscriptModelItem, response: ModelResponse | undefined): void {
    if (!response) return;
    const text = response.message?.content;
    if (typeof text === 'string' && text) item.text = cutText(text);
    const calls = response.message?.toolCalls;
    if (calls?.length) {
      item.toolCalls = calls.map((c) => ({ id: c.id, name: c.name, arguments: cutText(c.arguments) }));
    }
    if (this.structuredCalls.has(item) && typeof text === 'string') {
      try {
        item.structured = boundedValue(JSON.parse(text));
      } catch {
        // Not JSON: the text says what the model wrote.
      }
    }
    if (response.usage) {
      item.usage = response.usage;
      // The worker's price as it reported it with the response, else the built-in table (as the run's ledger).
      const price = response.price ?? priceFor(item.model);
      if (price) item.costUsd = costOf(response.usage, price);
    }
  }

  private childStatus(
    initiatedEventId: unknown,
    status: string,
  ): { ref: ChildRef; item: TranscriptChildItem } | undefined {
    const child = this.childrenByInitiated.get(String(initiatedEventId));
    if (child) {
      child.ref.status = status;
      child.item.status = status;
    }
    return child;
  }

  /** `tool write_file` for `step-2-call-1`, read from the model call that asked for it. */
  private whatOf(approvalId: string): string {
    const match = /(?:^|\/)step-(\d+)-call-(\d+)$/.exec(approvalId);
    if (match) {
      const model = this.items.find(
        (i): i is TranscriptModelItem => i.kind === 'model' && i.step === Number(match[1]) && !!i.toolCalls,
      );
      const call = model?.toolCalls?.[Number(match[2]) - 1];
      if (call) return `tool ${call.name}`;
    }
    return approvalId;
  }

  private async updateAccepted(
    attrs: temporal.api.history.v1.IWorkflowExecutionUpdateAcceptedEventAttributes,
  ): Promise<void> {
    const request = attrs.acceptedRequest;
    if (request?.input?.name !== 'decide') return;
    const decision = await this.decode<DecideInput>(request.input.args?.payloads);
    const approvalId = decision?.approvalId ?? '';
    const item: TranscriptApprovalItem = {
      kind: 'approval',
      approvalId,
      what: approvalId ? this.whatOf(approvalId) : 'the pending approval',
      ...(decision
        ? { decision: decision.decision === 'approve' ? ('approved' as const) : ('rejected' as const) }
        : {}),
      ...(decision?.by ? { by: decision.by } : {}),
      ...(decision?.comment ? { comment: cutText(decision.comment, 5_000) } : {}),
      ...(decision?.reason ? { reason: cutText(decision.reason, 5_000) } : {}),
    };
    this.items.push(item);
    const updateId = request.meta?.updateId ?? attrs.protocolInstanceId ?? '';
    this.updates.set(updateId, item);
  }

  private async updateCompleted(
    attrs: temporal.api.history.v1.IWorkflowExecutionUpdateCompletedEventAttributes,
  ): Promise<void> {
    const item = this.updates.get(attrs.meta?.updateId ?? '');
    if (!item) return;
    if (attrs.outcome?.failure) {
      item.refused = await this.failureMessage(attrs.outcome.failure);
      delete item.decision;
      return;
    }
    const result = await this.decode<DecideResult>(attrs.outcome?.success?.payloads);
    if (!result) return;
    if (result.approvalId && result.approvalId !== item.approvalId) {
      item.approvalId = result.approvalId;
      item.what = this.whatOf(result.approvalId);
    }
    item.decision = result.decision;
    if (result.forwardedTo) item.forwardedTo = result.forwardedTo;
  }

  private async signaled(attrs: temporal.api.history.v1.IWorkflowExecutionSignaledEventAttributes): Promise<void> {
    if (attrs.signalName !== 'approve' && attrs.signalName !== 'reject') return;
    const input = await this.decode<{ approvalId?: string; by?: string; comment?: string; reason?: string }>(
      attrs.input?.payloads,
    );
    const approvalId = input?.approvalId ?? '';
    this.items.push({
      kind: 'approval',
      approvalId,
      what: approvalId ? this.whatOf(approvalId) : 'the pending approval',
      decision: attrs.signalName === 'approve' ? 'approved' : 'rejected',
      ...(input?.by ? { by: input.by } : {}),
      ...(input?.comment ? { comment: cutText(input.comment, 5_000) } : {}),
      ...(input?.reason ? { reason: cutText(input.reason, 5_000) } : {}),
    });
  }

  /** What still waits, from the live state: placed last, undecided. */
  addPending(pending: readonly PendingApproval[]): void {
    for (const p of pending) {
      this.items.push({
        kind: 'approval',
        approvalId: p.approvalId,
        what: p.what,
        why: cutText(p.why, 5_000),
        proposed: cutText(p.proposed),
        ...(p.childWorkflowId ? { forwardedTo: p.childWorkflowId } : {}),
      });
    }
  }
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
      if (description.type === GRAPH_WORKFLOW_TYPE && state.decisions) builder.routing = state.decisions;
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
