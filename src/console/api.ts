/**
 * The console's client of the public HTTP API (docs/api.md): the API key lives in sessionStorage (gone when the tab
 * closes) and goes out as `Authorization: Bearer`. Every call goes through `request`, which turns an error body
 * `{ error: { code, message } }` into an ApiError and tells the session about a 401 so it can sign out.
 */

const KEY_STORAGE = 'durable-agents.apiKey';

export function storedKey(): string | undefined {
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}
export function storeKey(key: string | undefined): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** An answer other than 2xx, with the API's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onUnauthorized: (message: string) => void = () => undefined;
/** The session's handler of a 401: back to the sign-in form with the API's message. */
export function setUnauthorizedHandler(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

export function authHeaders(key = storedKey()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function request<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders(key) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = {};
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } }).error;
    const failure = new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? (text.slice(0, 300) || response.statusText),
    );
    if (response.status === 401) onUnauthorized(failure.message);
    throw failure;
  }
  return json as T;
}

const qs = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : '';
};
const runPath = (id: string): string => `/v1/runs/${encodeURIComponent(id)}`;

export interface Me {
  name: string;
  scopes: string[];
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  agentStatus?: string;
  awaitingApproval: boolean;
  agent?: string;
  tokens?: number;
  costUsd?: number;
  startTime: string;
  closeTime?: string;
}

export interface RunFilters {
  status?: string;
  kind?: string;
  agent?: string;
  awaitingApproval?: string;
  minCostUsd?: string;
  maxCostUsd?: string;
  startedAfter?: string;
  startedBefore?: string;
  cursor?: string;
  limit?: number;
}

export interface Links {
  self: string;
  events: string;
  result: string;
  webUi?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface PendingApproval {
  approvalId: string;
  what: string;
  why: string;
  proposed: string;
  requestedAt: string;
  childWorkflowId?: string;
  approvers?: string[];
}

export interface StepRecord {
  step: number;
  kind: string;
  name?: string;
  node?: string;
  status: string;
  summary: string;
  usage?: Usage;
  children?: string[];
}

export interface BudgetStatus {
  limits: Record<string, number | undefined>;
  spent: Record<string, number>;
  remaining: Record<string, number>;
  softWarnings: string[];
  exceeded?: { limit: string; reason?: string } | Record<string, unknown>;
}

export interface RoutingDecision {
  step?: number;
  from?: string;
  to?: string;
  node?: string;
  target?: string;
  edge?: string;
  by?: string;
  reason?: string;
}

/** The `state` query of an agent or graph run (the fields the console reads). */
export interface RunState {
  workflowType: string;
  agent?: string;
  graph?: string;
  model?: string;
  status: string;
  step: number;
  steps: StepRecord[];
  pendingApprovals: PendingApproval[];
  usage: Usage;
  cost: { totalUsd: number; totalTokens: number };
  budget?: BudgetStatus;
  decisions?: RoutingDecision[];
  error?: string;
}

export interface Run {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  state?: RunState;
  stateProblem?: string;
  links: Links;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: unknown;
}

export type TranscriptItem =
  | {
      kind: 'model';
      step: number;
      model: string;
      startedAt: string;
      endedAt?: string;
      durationMs?: number;
      attempt: number;
      text?: string;
      toolCalls?: ToolCall[];
      structured?: unknown;
      usage?: Usage;
      costUsd?: number;
      /** Why the call failed, for a failed attempt. */
      error?: string;
      /** `summary`: a call of context management summarizing earlier messages, not a step of the agent. */
      purpose?: 'summary';
    }
  | {
      kind: 'tool';
      step: number;
      toolCallId: string;
      name: string;
      arguments: unknown;
      result?: unknown;
      error?: unknown;
      startedAt: string;
      endedAt?: string;
      durationMs?: number;
    }
  | {
      kind: 'approval';
      approvalId: string;
      what: string;
      decision?: string;
      by?: string;
      comment?: string;
      reason?: string;
      /** Why the run refused the decision (unsigned, not an approver). */
      refused?: string;
      why?: string;
      proposed?: string;
    }
  | { kind: 'child'; workflowId: string; workflowType: string; name?: string; status: string };

export interface ChildRef {
  workflowId: string;
  workflowType: string;
  name?: string;
  status: string;
}

export interface Transcript {
  workflowId: string;
  workflowType: string;
  agent?: string;
  model?: string;
  instructions?: string;
  input: unknown;
  items: TranscriptItem[];
  children: ChildRef[];
  routing?: RoutingDecision[];
  webUiUrl?: string;
}

export interface InboxApproval {
  workflowId: string;
  runId: string;
  agent?: string;
  approvalId: string;
  what: string;
  why: string;
  proposed: string;
  requestedAt: string;
  childWorkflowId?: string;
  approvers?: string[];
  argumentsSchema?: unknown;
}

export interface CostRow {
  day: string;
  agent: string;
  model: string;
  costUsd: number;
  runs: number;
}

export const api = {
  me: (key?: string) => request<Me>('GET', '/v1/me', undefined, key),
  runs: (filters: RunFilters) =>
    request<{ runs: RunSummary[]; nextCursor?: string }>('GET', `/v1/runs${qs({ ...filters })}`),
  run: (id: string) => request<Run>('GET', runPath(id)),
  transcript: (id: string) => request<Transcript>('GET', `${runPath(id)}/transcript`),
  approvals: () => request<{ approvals: InboxApproval[]; truncated: boolean }>('GET', '/v1/approvals'),
  decide: (
    id: string,
    approvalId: string,
    body: { decision: 'approve' | 'reject'; comment?: string; args?: unknown },
  ) =>
    request<{ approvalId: string; decision: string; by: string }>(
      'POST',
      `${runPath(id)}/approvals/${encodeURIComponent(approvalId)}`,
      body,
    ),
  costs: (days: number) =>
    request<{ from: string; to: string; rows: CostRow[]; truncated: boolean }>('GET', `/v1/costs${qs({ days })}`),
  agents: () => request<{ agents: { name: string; description: string; model: string }[] }>('GET', '/v1/agents'),
  graphs: () => request<{ graphs: { name: string; description: string }[] }>('GET', '/v1/graphs'),
  start: (body: { agent?: string; graph?: string; input?: string; model?: string }) =>
    request<{ workflowId: string; links: Links }>('POST', '/v1/runs', body),
  cancel: (id: string) => request<unknown>('POST', `${runPath(id)}/cancel`),
};
