/** The request and response schemas of the HTTP API: they validate every request and make the OpenAPI document. */
import { z } from 'zod';
import { budgetSchema } from '../../contracts/budget';

/** Ids and names as the API takes them: nothing that could read as a path or a query. */
const safeName = z.string().regex(/^[\w.:-]{1,200}$/, 'letters, digits and . _ : - only');

/** An ISO 8601 date-time with its offset (`2026-12-08T00:00:00Z`), as the list filters take it. */
export const isoDateTime = z.iso.datetime({ offset: true });

export const runIdParams = z.object({ id: safeName.describe('The workflow id of the run') });

/** `POST /v1/runs`: exactly one of agent, graph or spec. */
export const startRunBody = z
  .object({
    agent: safeName.optional().describe('A catalog agent by name (GET /v1/agents)'),
    graph: safeName.optional().describe('A shipped graph by name (GET /v1/graphs)'),
    spec: z.record(z.string(), z.unknown()).optional().describe('An agent spec or a graph spec, as an object'),
    input: z
      .union([z.string().max(100_000), z.record(z.string(), z.unknown())])
      .optional()
      .describe('The request (text), or a graph’s initial state values'),
    model: z.string().max(200).optional().describe('provider:model instead of the agent’s own'),
    budget: budgetSchema.optional(),
    id: safeName.optional().describe('The workflow id (default: generated; with Idempotency-Key: derived from it)'),
  })
  .strict()
  .refine((b) => [b.agent, b.graph, b.spec].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of agent, graph and spec',
  });

const links = z.object({ self: z.string(), events: z.string(), result: z.string(), webUi: z.string().optional() });

export const startedRunResponse = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    workflowType: z.string(),
    name: z.string(),
    /** True when an Idempotency-Key named a run that already existed: nothing new was started. */
    existing: z.boolean(),
    warnings: z.array(z.string()),
    links,
  })
  .meta({ id: 'StartedRun' });

export const runResponse = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    workflowType: z.string(),
    status: z.string().describe('Temporal’s status, lower case'),
    state: z.record(z.string(), z.unknown()).optional().describe('The live `state` query (agent or graph state)'),
    stateProblem: z.string().optional().describe('Why the state could not be read (no worker answered)'),
    links,
  })
  .meta({ id: 'Run' });

export const runSummary = z.object({
  workflowId: z.string(),
  runId: z.string(),
  workflowType: z.string(),
  status: z.string(),
  agentStatus: z.string().optional(),
  awaitingApproval: z.boolean(),
  agent: z.string().optional(),
  tokens: z.number().optional(),
  costUsd: z.number().optional(),
  startTime: z.string(),
  closeTime: z.string().optional(),
});

export const listQuery = z
  .object({
    status: z.enum(['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed-out']).optional(),
    agent: safeName.optional(),
    awaitingApproval: z.enum(['true', 'false']).optional(),
    kind: z.enum(['agent', 'graph']).optional().describe('Only agent runs or only graph runs'),
    minCostUsd: z.coerce.number().finite().min(0).optional().describe('Only runs that spent at least this (USD)'),
    maxCostUsd: z.coerce.number().finite().min(0).optional().describe('Only runs that spent at most this (USD)'),
    startedAfter: isoDateTime.optional().describe('Only runs started at or after this moment (ISO 8601)'),
    startedBefore: isoDateTime.optional().describe('Only runs started before this moment (ISO 8601)'),
    cursor: z.string().max(4000).optional().describe('nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

export const listResponse = z
  .object({ runs: z.array(runSummary), nextCursor: z.string().optional() })
  .meta({ id: 'RunList' });

export const resultQuery = z
  .object({
    wait: z
      .string()
      .regex(/^\d{1,6}(ms|s)?$/, 'a duration such as 30s or 500ms')
      .optional()
      .describe('How long to wait for the end (default 0, at most 60s)'),
  })
  .strict();

const failure = z.object({ message: z.string(), failureType: z.string().optional() });

export const outcomeResponse = z
  .object({
    workflowId: z.string(),
    outcome: z.enum(['completed', 'failed', 'cancelled', 'terminated', 'timed_out']),
    status: z.string().describe('For a completed graph: completed, rejected, limit_reached, budget_exceeded'),
    result: z.record(z.string(), z.unknown()).optional(),
    error: failure.optional(),
  })
  .meta({ id: 'RunOutcome' });

export const stillRunningResponse = z
  .object({ workflowId: z.string(), status: z.literal('running'), links })
  .meta({ id: 'StillRunning' });

export const cancelResponse = z.object({ workflowId: z.string(), cancelRequested: z.literal(true) });

export const retryResponse = z
  .object({
    mode: z.enum(['fork', 'restart']),
    workflowId: z.string(),
    runId: z.string(),
    previousWorkflowId: z.string(),
    previousRunId: z.string(),
    fromStep: z.number().optional(),
    reason: z.string().optional(),
    links,
  })
  .meta({ id: 'RetriedRun' });

export const approvalParams = z.object({
  id: safeName,
  approvalId: z.string().regex(/^[\w./:-]{1,300}$/, 'an approval id as the run lists it'),
});

export const decisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: z.string().max(4000).optional().describe('Kept in the audit trail; for a rejection, the reason'),
    args: z
      .union([z.record(z.string(), z.unknown()), z.string().max(100_000)])
      .optional()
      .describe('Edited tool arguments (approve only), checked against the tool’s schema by the run'),
  })
  .strict();

export const decisionResponse = z
  .object({
    approvalId: z.string(),
    decision: z.enum(['approve', 'reject']),
    by: z.string(),
    what: z.string().optional(),
    forwardedTo: z.string().optional(),
  })
  .meta({ id: 'Decision' });

export const eventsQuery = z
  .object({
    after: z.string().max(4000).optional(),
    /** `false` leaves the live model text (`token*` events) out of the stream; on by default when available. */
    tokens: z.enum(['true', 'false']).optional(),
  })
  .strict();

export const agentsResponse = z.object({
  agents: z.array(z.object({ name: z.string(), description: z.string(), model: z.string(), source: z.string() })),
});
export const graphsResponse = z.object({ graphs: z.array(z.object({ name: z.string(), description: z.string() })) });
export const healthResponse = z.object({ status: z.literal('ok') });
export const readyResponse = z.object({ status: z.enum(['ready']), namespace: z.string() });

/** Links of a run, relative to the API root, and to the Temporal Web UI when its base URL is known. */
export function linksOf(workflowId: string, webUiBase: string | undefined, namespace: string) {
  const self = `/v1/runs/${encodeURIComponent(workflowId)}`;
  return {
    self,
    events: `${self}/events`,
    result: `${self}/result`,
    ...(webUiBase
      ? {
          webUi: `${webUiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`,
        }
      : {}),
  };
}
