/**
 * Webhooks on both sides of the trust line. The worker's operator declares subscriptions (a URL, the events it
 * wants, its signing secret); a run never names, adds or changes one. The workflow learns only which events are
 * subscribed (names, never URLs or secrets) and asks the worker to deliver each one; the worker looks the
 * subscription up by name, signs the request (Standard Webhooks) and sends it. Shared by workflow, worker and
 * client; pure.
 */
import { z } from 'zod';
import { sha256Hex } from './sha256';
import { UserError } from './errors';
import { describeIssues } from './zod-issues';

/** Every event a subscription may ask for. */
export const WEBHOOK_EVENTS = [
  'run.completed',
  'run.failed',
  'run.cancelled',
  'approval.requested',
  'approval.decided',
  'budget.exceeded',
  /** A scheduled eval's rolling score crossed its threshold or dropped past its baseline. */
  'eval.alert',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const webhookEventSchema = z.enum(WEBHOOK_EVENTS);

/** Where an operator declares webhooks; named in refusals so the fix is one look away. */
export const WEBHOOKS_SETTING = 'AGENT_WEBHOOKS_FILE or the webhooks option of createAgentWorker';

const durationSchema = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h)$/, 'a duration such as 500ms, 10s or 2m');

/** How deliveries are retried (Temporal's retry policy on the delivery activity); bounded on purpose. */
export const webhookDeliverySettingsSchema = z
  .object({
    /** Attempts per event and subscription, the first one included. */
    maximumAttempts: z.number().int().min(1).max(50).default(8),
    /** Wait before the first retry; it doubles on each retry, up to `maximumInterval`. */
    initialInterval: durationSchema.default('1s'),
    maximumInterval: durationSchema.default('1m'),
    /** Start-to-close timeout of one attempt (connect, send, read the status). */
    timeout: durationSchema.default('10s'),
  })
  .strict();
export type WebhookDeliverySettings = z.output<typeof webhookDeliverySettingsSchema>;

/** A subscription's name: how the run's state reports it and how the delivery activity finds it. */
export const webhookNameSchema = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,62}$/, 'letters, digits, _ . and -, starting with a letter');

/** The parts of a subscription both the file and the createAgentWorker option share. */
const subscriptionFields = {
  name: webhookNameSchema,
  /** Where events are POSTed: http or https, no credentials in the URL. */
  url: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'an http or https URL')
    .refine((u) => {
      // Refinements run even when `url()` already refused the text, so an unparsable URL passes here.
      if (!URL.canParse(u)) return true;
      const parsed = new URL(u);
      return !parsed.username && !parsed.password;
    }, 'no user name or password in the URL (the signature authenticates the sender)'),
  events: z.array(webhookEventSchema).min(1),
  /** Only runs of these agents (agentWorkflow's `agent`); with `graphs`, either list may match. */
  agents: z.array(z.string().min(1)).min(1).optional(),
  /** Only runs of these graphs (the graph spec's `name`). */
  graphs: z.array(z.string().min(1)).min(1).optional(),
};

/** A Standard Webhooks signing secret: `whsec_` and the base64 of 24 to 64 random bytes. */
export const webhookSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'a Standard Webhooks secret: whsec_ followed by base64')
  .refine((s) => {
    const bytes = Math.floor((s.length - 6) * 0.75) - (s.match(/=+$/)?.[0].length ?? 0);
    return bytes >= 24 && bytes <= 64;
  }, 'the secret must hold 24 to 64 bytes (base64 after whsec_)');

/** A subscription as createAgentWorker / durableAgentsPlugin take it: the secret itself. */
export const webhookSubscriptionSchema = z.object({ ...subscriptionFields, secret: webhookSecretSchema }).strict();
export type WebhookSubscription = z.output<typeof webhookSubscriptionSchema>;

/** A subscription as AGENT_WEBHOOKS_FILE declares it: the name of the environment variable holding the secret. */
export const webhookFileSubscriptionSchema = z
  .object({
    ...subscriptionFields,
    secretFromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
  })
  .strict();
export type WebhookFileSubscription = z.output<typeof webhookFileSubscriptionSchema>;

/** The operator's webhook settings: subscriptions, hosts allowed to be private, retries. */
export interface WebhookSettings {
  subscriptions: z.input<typeof webhookSubscriptionSchema>[];
  /**
   * Hosts a subscription URL may name even though they resolve to private, loopback or link-local addresses
   * (`hooks.internal.example`, `127.0.0.1`, `*.corp.example`). Without an entry such URLs are refused.
   */
  allowHosts?: string[];
  delivery?: z.input<typeof webhookDeliverySettingsSchema>;
}

/** {@link WebhookSettings} checked, defaults filled in. */
export interface ValidWebhookSettings {
  subscriptions: WebhookSubscription[];
  allowHosts: string[];
  delivery: WebhookDeliverySettings;
}

const settingsSchema = z
  .object({
    subscriptions: z.array(webhookSubscriptionSchema),
    allowHosts: z.array(z.string().min(1)).default([]),
    delivery: webhookDeliverySettingsSchema.default(webhookDeliverySettingsSchema.parse({})),
  })
  .strict();

/**
 * Validates the operator's webhook settings; `source` names where they came from in every message. Throws a
 * UserError listing each bad field by path, or a repeated name.
 */
export function parseWebhookSettings(raw: unknown, source: string): ValidWebhookSettings {
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${source}: ${describeIssues(parsed.error.issues)}`);
  const seen = new Set<string>();
  for (const [i, sub] of parsed.data.subscriptions.entries()) {
    if (seen.has(sub.name)) throw new UserError(`${source}: subscriptions.${i}.name: "${sub.name}" is declared twice`);
    seen.add(sub.name);
  }
  return parsed.data;
}

/** What a run is, as a subscription's filter sees it. */
export interface WebhookRunIdentity {
  workflowType: 'agentWorkflow' | 'graphWorkflow';
  /** The agent's name or the graph's. */
  name: string;
}

/** Whether a subscription wants events of this run (no filter: every run). */
export function subscriptionMatches(
  sub: Pick<WebhookSubscription, 'agents' | 'graphs'>,
  run: WebhookRunIdentity,
): boolean {
  if (!sub.agents && !sub.graphs) return true;
  const list = run.workflowType === 'agentWorkflow' ? sub.agents : sub.graphs;
  return list?.includes(run.name) ?? false;
}

/**
 * What the workflow learns from the worker at the start of a run (recorded in history): which subscriptions
 * want which of this run's events, and the retry policy of their deliveries. No URL, no secret.
 */
export interface WebhookPlan {
  subscriptions: { name: string; events: WebhookEvent[] }[];
  delivery: WebhookDeliverySettings;
}

/** The body of one webhook request, as the Standard Webhooks specification shapes it. */
export interface WebhookPayload {
  type: WebhookEvent;
  /** When the event happened (workflow time), ISO 8601. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** What the delivery activity is asked: deliver this event to the named subscription. */
export interface WebhookDeliveryInput {
  subscription: string;
  /** `webhook-id`: the same for every attempt of this event (see {@link webhookMessageId}). */
  webhookId: string;
  payload: WebhookPayload;
}

export interface WebhookDeliveryResult {
  status: number;
  attempt: number;
}

/**
 * The `webhook-id` of one event of one run: derived from the workflow id, the run id and the event's own key
 * (`run.completed`, `approval.requested:<approvalId>`), never from the attempt, so every retry of an event
 * carries the same id and a receiver can drop duplicates; another run (a retry of the workflow id, a reset)
 * gets other ids.
 */
export function webhookMessageId(workflowId: string, runId: string, eventKey: string): string {
  return `msg_${sha256Hex(`durable-agents webhook\n${workflowId}\n${runId}\n${eventKey}`).slice(0, 32)}`;
}

/** One delivery that did not succeed after its retries, as the run's `state` query shows it. */
export interface WebhookFailure {
  event: WebhookEvent;
  subscription: string;
  webhookId: string;
  attempts: number;
  /** The failure type (`WebhookDeliveryFailed`, `WebhookTargetRefused`, …). */
  type?: string;
  error: string;
}

/** The `webhooks` part of a run's `state`: present only when a subscription wants this run's events. */
export interface WebhookState {
  /** Subscriptions that receive this run's events, with the events each wants. */
  subscriptions: { name: string; events: WebhookEvent[] }[];
  delivered: number;
  /** Deliveries scheduled and not finished. */
  pending: number;
  /** The latest failures, at most {@link WEBHOOK_FAILURES_KEPT}. */
  failed: WebhookFailure[];
  /** Failures older than those kept in `failed`. */
  failedDropped?: number;
}

/** How many failures a run's state keeps: a query must stay small however many deliveries fail. */
export const WEBHOOK_FAILURES_KEPT = 20;
