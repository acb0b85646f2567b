/**
 * Webhook delivery: the worker's side of the subscriptions its operator declared (see contracts/webhooks.ts).
 * `webhookPlan` (a local activity at the start of a run) tells the workflow which subscriptions want which of
 * the run's events, by name only; `deliverWebhook` POSTs one event to one subscription, signed per the Standard
 * Webhooks specification with the `standardwebhooks` reference implementation. URLs and secrets live only here,
 * in the worker's memory: a run names a subscription and nothing else, so it can never add or redirect one.
 *
 * Retries are Temporal's (the activity's retry policy, set by the workflow from the plan): each attempt signs
 * afresh (a new `webhook-timestamp` and signature) under the same `webhook-id`, so receivers drop duplicates.
 */
import http from 'node:http';
import https from 'node:https';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { msToNumber } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import { ErrorType } from '../contracts/errors';
import {
  subscriptionMatches,
  WEBHOOKS_SETTING,
  type ValidWebhookSettings,
  type WebhookDeliveryInput,
  type WebhookDeliveryResult,
  type WebhookPlan,
  type WebhookRunIdentity,
  type WebhookSubscription,
} from '../contracts/webhooks';
import { describeRefusal, guardedLookup, literalAddressRefusal, type AddressRefusal } from '../security/address-guard';

/** The most response bytes read from a receiver; its answer's body means nothing to us beyond the status. */
const RESPONSE_BYTES = 16 * 1024;

interface Target {
  subscription: WebhookSubscription;
  url: URL;
  signer: Webhook;
}

export function createWebhookActivities(settings: ValidWebhookSettings) {
  const targets = new Map<string, Target>(
    settings.subscriptions.map((s) => [
      s.name,
      { subscription: s, url: new URL(s.url), signer: new Webhook(s.secret) },
    ]),
  );
  const timeoutMs = msToNumber(settings.delivery.timeout);

  return {
    /** Which subscriptions want this run's events: names and event names only (the answer is in history). */
    async webhookPlan(run: WebhookRunIdentity): Promise<WebhookPlan> {
      return {
        subscriptions: settings.subscriptions
          .filter((s) => subscriptionMatches(s, run))
          .map((s) => ({ name: s.name, events: [...s.events] })),
        delivery: settings.delivery,
      };
    },

    /**
     * Sends one event to one subscription. Throws `WebhookDeliveryFailed` (retryable) for a non-2xx answer or a
     * network fault, `WebhookTargetRefused` (not retried; nothing sent) for a URL on a private address that the
     * operator did not allow-list, and `WebhookNotDeclared` when this worker does not declare the subscription.
     */
    async deliverWebhook(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
      const { attempt } = Context.current().info;
      const target = targets.get(input.subscription);
      if (!target) {
        throw ApplicationFailure.create({
          type: ErrorType.WebhookNotDeclared,
          message: `webhook subscription "${input.subscription}" is not declared on this worker (${WEBHOOKS_SETTING})`,
          nonRetryable: true,
          details: [{ attempt }],
        });
      }
      const where = `webhook ${target.subscription.name} (${target.url.host})`;
      const literal = literalAddressRefusal(target.url.hostname, settings.allowHosts);
      if (literal) throw refused(where, literal, attempt);
      const body = JSON.stringify(input.payload);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'durable-agents-webhooks/0.1',
        'webhook-id': input.webhookId,
        // Fresh on every attempt: receivers reject stale timestamps, and the signature covers this one.
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': '',
      };
      headers['webhook-signature'] = target.signer.sign(
        input.webhookId,
        new Date(Number(headers['webhook-timestamp']) * 1000),
        body,
      );
      let status: number;
      try {
        status = await post(target.url, body, headers, {
          timeoutMs,
          signal: Context.current().cancellationSignal,
          lookup: guardedLookup(settings.allowHosts, (refusal) => new AddressRefused(refusal)),
        });
      } catch (err) {
        if (err instanceof AddressRefused) throw refused(where, err.refusal, attempt);
        throw ApplicationFailure.create({
          type: ErrorType.WebhookDeliveryFailed,
          message: `${where}: ${(err as Error).message}`,
          details: [{ attempt }],
          cause: err as Error,
        });
      }
      if (status < 200 || status > 299) {
        log.warn('webhook receiver refused a delivery', {
          subscription: input.subscription,
          webhookId: input.webhookId,
          status,
          attempt,
        });
        throw ApplicationFailure.create({
          type: ErrorType.WebhookDeliveryFailed,
          message: `${where} answered HTTP ${status}`,
          details: [{ attempt, status }],
        });
      }
      log.info('webhook delivered', { subscription: input.subscription, webhookId: input.webhookId, status, attempt });
      return { status, attempt };
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;

/** Raised by the guarded resolver; turned into a non-retryable refusal above. */
class AddressRefused extends Error {
  constructor(readonly refusal: AddressRefusal) {
    super(describeRefusal(refusal));
  }
}

function refused(where: string, refusal: AddressRefusal, attempt: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.WebhookTargetRefused,
    message: `${where} refused: ${describeRefusal(refusal)}; webhooks reach only public addresses unless the host is in the webhooks allowHosts (${WEBHOOKS_SETTING})`,
    nonRetryable: true,
    details: [{ attempt }],
  });
}

/** One POST, no redirects followed (a redirect counts as a failed delivery); resolves with the status. */
function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; signal: AbortSignal; lookup: ReturnType<typeof guardedLookup> },
): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: options.lookup,
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // The status is all we need; a receiver streaming a large body is cut off.
          if (read > RESPONSE_BYTES) res.destroy();
        });
        res.on('close', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
