/**
 * The shapes of a transcript (see transcript.ts) and the bounds on what it carries: each text cut with a marker,
 * and a budget over the whole transcript so a run of hundreds of calls still answers in a bounded size.
 */
import type { RoutingDecision } from '../contracts/graph-contract';
import type { Usage } from '../contracts/messages';

/** Characters of one text (a model answer, tool arguments, a tool result) a transcript carries. */
export const TRANSCRIPT_TEXT_CHARS = 20_000;
/** Characters of text a whole transcript carries; past it, each text keeps only its head. */
export const TRANSCRIPT_TOTAL_CHARS = 2_000_000;
/** What each text keeps once the whole transcript's budget is spent. */
export const TRANSCRIPT_SPENT_TEXT_CHARS = 200;
/** History events read at most; a longer run's transcript says `truncated`. */
export const TRANSCRIPT_MAX_EVENTS = 20_000;

export interface TranscriptModelItem {
  kind: 'model';
  /** `summary`: context management summarizing earlier messages (not a step of the run). */
  purpose?: 'summary';
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

/** A graph's routing decisions, each reason cut (a router model writes them). */
export function boundedRouting(decisions: RoutingDecision[]): RoutingDecision[] {
  return decisions.slice(0, 1_000).map((d) => ({ ...d, reason: cutText(String(d.reason ?? ''), 2_000) }));
}

/** Cuts texts to TRANSCRIPT_TEXT_CHARS each, and to a short head each once TRANSCRIPT_TOTAL_CHARS are spent. */
export class TextBudget {
  private left = TRANSCRIPT_TOTAL_CHARS;

  cut(text: string, max = TRANSCRIPT_TEXT_CHARS): string {
    const kept = cutText(text, Math.min(max, Math.max(TRANSCRIPT_SPENT_TEXT_CHARS, this.left)));
    this.left -= kept.length;
    return kept;
  }

  value(value: unknown): unknown {
    if (value === undefined || typeof value === 'string') return value === undefined ? undefined : this.cut(value);
    const json = JSON.stringify(value);
    if (json === undefined) return value;
    const limit = Math.min(TRANSCRIPT_TEXT_CHARS, Math.max(TRANSCRIPT_SPENT_TEXT_CHARS, this.left));
    this.left -= Math.min(json.length, limit);
    return json.length > limit ? cutText(json, limit) : value;
  }
}
