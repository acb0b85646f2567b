/**
 * Schemas of the routes the agent console reads (`/v1/me`, transcripts, the approvals inbox, costs); they validate
 * requests and make their part of the OpenAPI document, beside schemas.ts.
 */
import { z } from 'zod';

/**
 * A run's workflow id in a path: a child run's id holds `/` (`<root>/clerk`), sent encoded as %2F. It names a
 * run, never a file, so nothing more is needed than refusing what could read as a query.
 */
export const anyRunIdParams = z.object({
  id: z
    .string()
    .regex(/^[\w.:/-]{1,400}$/, 'letters, digits and . _ : / - only')
    .describe('The workflow id of the run (a child’s holds /, sent as %2F)'),
});

export const meResponse = z
  .object({ name: z.string().describe('The key’s name: the approver of its decisions'), scopes: z.array(z.string()) })
  .meta({ id: 'Me' });

const usage = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cachedInputTokens: z.number(),
  cacheWriteInputTokens: z.number().optional(),
});

const modelItem = z.object({
  kind: z.literal('model'),
  purpose: z.enum(['summary']).optional().describe('`summary`: context management summarizing earlier messages'),
  step: z.number(),
  model: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  attempt: z.number(),
  text: z.string().optional(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
  structured: z.unknown().optional(),
  usage: usage.optional(),
  costUsd: z.number().optional(),
  error: z.string().optional(),
});

const toolItem = z.object({
  kind: z.literal('tool'),
  step: z.number(),
  toolCallId: z.string(),
  name: z.string(),
  arguments: z.string(),
  result: z.string().optional(),
  error: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
});

const approvalItem = z.object({
  kind: z.literal('approval'),
  approvalId: z.string(),
  what: z.string(),
  decision: z.enum(['approved', 'rejected']).optional().describe('Absent while it waits'),
  by: z.string().optional(),
  comment: z.string().optional(),
  reason: z.string().optional(),
  refused: z.string().optional().describe('Why the run refused the decision'),
  forwardedTo: z.string().optional(),
  why: z.string().optional(),
  proposed: z.string().optional(),
});

const childRef = z.object({
  workflowId: z.string(),
  workflowType: z.string(),
  name: z.string().optional(),
  status: z.string(),
  runId: z.string().optional(),
});

const childItem = z.object({
  kind: z.literal('child'),
  workflowId: z.string(),
  workflowType: z.string(),
  name: z.string().optional(),
  status: z.string(),
});

export const transcriptItem = z
  .discriminatedUnion('kind', [modelItem, toolItem, approvalItem, childItem])
  .meta({ id: 'TranscriptItem' });

const routingDecision = z.object({
  step: z.number(),
  from: z.string(),
  to: z.string(),
  by: z.string(),
  reason: z.string(),
});

export const transcriptResponse = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    workflowType: z.string(),
    status: z.string(),
    agent: z.string().optional(),
    model: z.string().optional(),
    instructions: z.string().optional(),
    input: z.unknown(),
    items: z.array(transcriptItem),
    children: z.array(childRef.meta({ id: 'ChildRef' })),
    routing: z.array(routingDecision.meta({ id: 'RoutingDecision' })).optional(),
    truncated: z.boolean().optional(),
    webUiUrl: z.string().optional(),
  })
  .meta({ id: 'Transcript' });

export const pendingApprovalEntry = z.object({
  workflowId: z.string(),
  runId: z.string(),
  agent: z.string().optional(),
  approvalId: z.string(),
  what: z.string(),
  why: z.string(),
  proposed: z.string(),
  requestedAt: z.string(),
  childWorkflowId: z.string().optional(),
  approvers: z.array(z.string()).optional(),
  argumentsSchema: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('JSON schema of the tool’s arguments, when the tool is one this server knows'),
});

export const approvalsInboxResponse = z
  .object({
    approvals: z.array(pendingApprovalEntry.meta({ id: 'PendingApprovalEntry' })),
    truncated: z.boolean().describe('More runs wait than were read'),
  })
  .meta({ id: 'ApprovalsInbox' });

export const costsQuery = z
  .object({
    days: z.coerce.number().int().min(1).max(90).default(14),
    agent: z
      .string()
      .regex(/^[\w.:-]{1,200}$/, 'letters, digits and . _ : - only')
      .optional(),
  })
  .strict();

export const costsResponse = z
  .object({
    from: z.string().describe('First UTC day counted (YYYY-MM-DD)'),
    to: z.string().describe('Last UTC day counted (today)'),
    rows: z.array(
      z.object({ day: z.string(), agent: z.string(), model: z.string(), costUsd: z.number(), runs: z.number() }),
    ),
    truncated: z.boolean(),
  })
  .meta({ id: 'Costs' });
