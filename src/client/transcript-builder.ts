/**
 * Reads a run's history events, in order, into transcript items: `callModel` activities become model items,
 * `tool:<name>` and MCP activities tool items, the `decide` update and the `approve` / `reject` signals approval
 * items, child workflow events child items. Payloads are decoded with the client's data converter; one it cannot
 * decode (another key) leaves its fields out rather than failing the transcript.
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
import type { SummarizeInput, SummarizeOutput } from '../contracts/context-window';
import type { ModelRequest, ModelResponse } from '../contracts/messages';
import { costOf, priceFor } from '../contracts/pricing';
import { MCP_CALL_TOOL_ACTIVITY } from '../contracts/tool-catalog';
import type { ToolCallInput, ToolCallOutput } from '../contracts/tool-specs';
import {
  boundedRouting,
  TextBudget,
  type ChildRef,
  type Transcript,
  type TranscriptApprovalItem,
  type TranscriptChildItem,
  type TranscriptItem,
  type TranscriptModelItem,
  type TranscriptToolItem,
} from './transcript-items';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

const childStatusOf: Record<string, string> = {
  childWorkflowExecutionCompletedEventAttributes: 'completed',
  childWorkflowExecutionFailedEventAttributes: 'failed',
  childWorkflowExecutionCanceledEventAttributes: 'cancelled',
  childWorkflowExecutionTimedOutEventAttributes: 'timed_out',
  childWorkflowExecutionTerminatedEventAttributes: 'terminated',
};

/** Builds transcripts event by event; one instance per run. */
export class TranscriptBuilder {
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
  /** Every text of the transcript is cut through it, so the whole stays bounded. */
  private readonly budget = new TextBudget();

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
    return this.budget.cut(type ? `${type}: ${message}` : message, 2_000);
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
      if (item.kind === 'model' && item.purpose === 'summary') {
        this.summarized(item, await this.decode<SummarizeOutput>(attrs.result?.payloads));
      } else if (item.kind === 'model') {
        this.modelCallsDone += 1;
        this.modelAnswered(item, await this.decode<ModelResponse>(attrs.result?.payloads));
      } else {
        const output = await this.decode<ToolCallOutput>(attrs.result?.payloads);
        if (output?.content !== undefined) item.result = this.budget.cut(String(output.content));
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
        this.routing = boundedRouting(result.decisions);
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
      if (typeof input.instructions === 'string') this.header.instructions = this.budget.cut(input.instructions);
      this.header.input = this.budget.value(input.input);
    } else if (workflowType === GRAPH_WORKFLOW_TYPE) {
      const spec = input.spec as { name?: unknown } | undefined;
      if (typeof spec?.name === 'string') this.header.agent = spec.name;
      this.header.input = this.budget.value(input.input ?? {});
    } else {
      this.header.input = this.budget.value(input);
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
    } else if (type === 'summarizeConversation') {
      // Context management's summary: a model call of its own (it costs), not a step of the run.
      const request = await this.decode<SummarizeInput>(attrs.input?.payloads);
      const item: TranscriptModelItem = {
        kind: 'model',
        purpose: 'summary',
        step: this.modelCallsDone,
        model: request?.model ?? 'unknown',
        startedAt,
        attempt: 1,
      };
      this.activities.set(id, item);
      this.items.push(item);
    } else if (type.startsWith('tool:') || type === MCP_CALL_TOOL_ACTIVITY) {
      const input = await this.decode<ToolCallInput & { tool?: string }>(attrs.input?.payloads);
      const item: TranscriptToolItem = {
        kind: 'tool',
        step: this.modelCallsDone,
        toolCallId: input?.toolCallId ?? attrs.activityId ?? '',
        name: type === MCP_CALL_TOOL_ACTIVITY ? (input?.tool ?? 'mcp') : type.slice('tool:'.length),
        arguments: this.budget.cut(String(input?.arguments ?? '')),
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
    if (typeof text === 'string' && text) item.text = this.budget.cut(text);
    const calls = response.message?.toolCalls;
    if (calls?.length) {
      item.toolCalls = calls.map((c) => ({ id: c.id, name: c.name, arguments: this.budget.cut(c.arguments) }));
    }
    if (this.structuredCalls.has(item) && typeof text === 'string') {
      try {
        item.structured = this.budget.value(JSON.parse(text));
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

  private summarized(item: TranscriptModelItem, output: SummarizeOutput | undefined): void {
    if (!output) return;
    if (typeof output.summary === 'string') item.text = this.budget.cut(output.summary);
    if (output.usage) {
      item.usage = output.usage;
      const price = priceFor(item.model);
      if (price) item.costUsd = costOf(output.usage, price);
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
      ...(decision?.comment ? { comment: this.budget.cut(decision.comment, 5_000) } : {}),
      ...(decision?.reason ? { reason: this.budget.cut(decision.reason, 5_000) } : {}),
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
      ...(input?.comment ? { comment: this.budget.cut(input.comment, 5_000) } : {}),
      ...(input?.reason ? { reason: this.budget.cut(input.reason, 5_000) } : {}),
    });
  }

  /** What still waits, from the live state: placed last, undecided. */
  addPending(pending: readonly PendingApproval[]): void {
    for (const p of pending) {
      this.items.push({
        kind: 'approval',
        approvalId: p.approvalId,
        what: p.what,
        why: this.budget.cut(p.why, 5_000),
        proposed: this.budget.cut(p.proposed),
        ...(p.childWorkflowId ? { forwardedTo: p.childWorkflowId } : {}),
      });
    }
  }
}
