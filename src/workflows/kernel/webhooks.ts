/**
 * A run's webhook events. At the start of a run on a worker that declares subscriptions, the `webhookPlan` local
 * activity says which subscriptions want which of this run's events (names only: URLs and secrets stay in the
 * worker); each event a subscription wants then becomes one `deliverWebhook` activity per subscription, retried
 * with backoff by Temporal and bounded by the plan's attempts. A delivery that still fails is recorded in the
 * run's state and never fails the run. The run waits for its deliveries (the terminal event's included) before
 * it ends, so none is abandoned half-way.
 *
 * Cost: a run on a worker without subscriptions schedules nothing and records nothing (no marker, no activity);
 * a run whose plan is empty records the patch marker and the plan, two events, and nothing more.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { boundedText } from '../../contracts/bounded-text';
import { nonRetryableErrorTypes } from '../../contracts/errors';
import {
  WEBHOOK_FAILURES_KEPT,
  webhookMessageId,
  type WebhookEvent,
  type WebhookFailure,
  type WebhookPayload,
  type WebhookPlan,
  type WebhookRunIdentity,
  type WebhookState,
} from '../../contracts/webhooks';
// A type only: the proxies take their signatures from the activities themselves.
import type { WebhookActivities } from '../../activities/webhooks';
import type { ApprovalListener } from './approvals';
import { WEBHOOKS_PATCH } from './patches';
import { webhooksDeclaredInBundle } from './webhook-flag';

const { webhookPlan } = proxyLocalActivities<WebhookActivities>({
  // Reads the worker's settings from memory: instant, unless the worker is in trouble.
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
});
const { deliverWebhook } = proxyActivities<WebhookActivities>({ startToCloseTimeout: '10s' });

export class RunWebhooks {
  private delivered = 0;
  private readonly failed: WebhookFailure[] = [];
  private failedDropped = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly identity: Record<string, unknown>;

  private constructor(
    private readonly plan: WebhookPlan | undefined,
    run: WebhookRunIdentity,
  ) {
    const info = workflowInfo();
    this.identity = {
      workflowId: info.workflowId,
      runId: info.runId,
      workflowType: run.workflowType,
      [run.workflowType === 'agentWorkflow' ? 'agent' : 'graph']: run.name,
      ...(info.parent ? { parentWorkflowId: info.parent.workflowId } : {}),
      ...(info.root && info.root.workflowId !== info.workflowId ? { rootWorkflowId: info.root.workflowId } : {}),
    };
  }

  /**
   * Learns this run's subscriptions. A fresh run asks only when its bundle says the worker declares webhooks; a
   * replay asks `patched()`, which answers from the history alone (true exactly when the run recorded the
   * marker), so a run replays the same way on a worker with other subscriptions, or none.
   */
  static async start(run: WebhookRunIdentity): Promise<RunWebhooks> {
    const mayAsk = webhooksDeclaredInBundle() || workflowInfo().unsafe.isReplaying;
    if (!mayAsk || !patched(WEBHOOKS_PATCH)) return new RunWebhooks(undefined, run);
    let plan: WebhookPlan | undefined;
    try {
      plan = await webhookPlan(run);
    } catch (err) {
      // Webhooks never fail a run: without a plan this run delivers nothing, and says so in the log.
      log.warn('webhook plan unavailable; this run delivers no webhooks', { error: (err as Error).message });
    }
    return new RunWebhooks(plan?.subscriptions.length ? plan : undefined, run);
  }

  /** The `webhooks` part of the state query, when a subscription wants this run's events. */
  state(): WebhookState | undefined {
    if (!this.plan) return undefined;
    return {
      subscriptions: this.plan.subscriptions.map((s) => ({ name: s.name, events: [...s.events] })),
      delivered: this.delivered,
      pending: this.pending.size,
      failed: this.failed.map((f) => ({ ...f })),
      ...(this.failedDropped ? { failedDropped: this.failedDropped } : {}),
    };
  }

  /** Approval events, for the approval gates to call. */
  approvalListener(): ApprovalListener | undefined {
    if (!this.plan) return undefined;
    return {
      requested: (p) =>
        this.emit('approval.requested', `approval.requested:${p.approvalId}`, {
          approvalId: p.approvalId,
          what: p.what,
          why: p.why,
          proposed: boundedText(p.proposed),
          requestedAt: p.requestedAt,
          ...(p.digest ? { digest: p.digest } : {}),
          ...(p.timeout ? { timeout: p.timeout } : {}),
          ...(p.approvers ? { approvers: p.approvers } : {}),
        }),
      decided: (p, d) =>
        this.emit('approval.decided', `approval.decided:${p.approvalId}`, {
          approvalId: p.approvalId,
          decision: d.decision,
          ...(d.by ? { by: d.by } : {}),
        }),
    };
  }

  /** Schedules the event's deliveries (one per subscription that wants it) without waiting for them. */
  emit(event: WebhookEvent, key: string, data: Record<string, unknown>): void {
    const plan = this.plan;
    if (!plan) return;
    const subscriptions = plan.subscriptions.filter((s) => s.events.includes(event));
    if (subscriptions.length === 0) return;
    const info = workflowInfo();
    const webhookId = webhookMessageId(info.workflowId, info.runId, key);
    const payload: WebhookPayload = {
      type: event,
      timestamp: new Date().toISOString(),
      data: { ...this.identity, ...data },
    };
    for (const s of subscriptions) {
      const delivery: Promise<void> = this.deliver(plan, s.name, webhookId, payload).finally(() =>
        this.pending.delete(delivery),
      );
      this.pending.add(delivery);
    }
  }

  /** Delivers the run's last events and waits for every delivery still under way. */
  async end(events: { event: WebhookEvent; data: Record<string, unknown> }[]): Promise<void> {
    if (!this.plan) return;
    for (const e of events) this.emit(e.event, e.event, e.data);
    await this.flush();
  }

  /** Waits for every delivery under way (before continuing as new, or ending). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async deliver(plan: WebhookPlan, subscription: string, webhookId: string, payload: WebhookPayload) {
    const { delivery } = plan;
    try {
      // Not cancellable: a cancelled run still tells its subscribers (run.cancelled) and finishes what it sent.
      await CancellationScope.nonCancellable(() =>
        deliverWebhook.executeWithOptions(
          {
            startToCloseTimeout: delivery.timeout,
            retry: {
              initialInterval: delivery.initialInterval,
              maximumInterval: delivery.maximumInterval,
              backoffCoefficient: 2,
              maximumAttempts: delivery.maximumAttempts,
              nonRetryableErrorTypes,
            },
            summary: `webhook ${payload.type} → ${subscription}`,
          },
          [{ subscription, webhookId, payload }],
        ),
      );
      this.delivered += 1;
    } catch (err) {
      this.recordFailure({ event: payload.type, subscription, webhookId, ...describeFailure(err, delivery) });
    }
  }

  private recordFailure(failure: WebhookFailure): void {
    this.failed.push(failure);
    if (this.failed.length > WEBHOOK_FAILURES_KEPT) {
      this.failed.shift();
      this.failedDropped += 1;
    }
    log.warn('webhook delivery failed', { ...failure });
  }
}

/** Attempts made, failure type and message of a delivery that gave up. */
function describeFailure(
  err: unknown,
  delivery: WebhookPlan['delivery'],
): { attempts: number; type?: string; error: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const app = cause instanceof ApplicationFailure ? cause : undefined;
  const detail = app?.details?.[0] as { attempt?: number } | undefined;
  const exhausted = err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED';
  return {
    attempts: detail?.attempt ?? (exhausted ? delivery.maximumAttempts : 1),
    ...(app?.type ? { type: app.type } : {}),
    error: boundedText(((cause as Error | undefined) ?? (err as Error)).message, 500),
  };
}

/** The `webhooks` field of a state snapshot: absent unless a subscription wants the run's events. */
export function webhooksOf(source: { state(): WebhookState | undefined } | undefined): { webhooks?: WebhookState } {
  const webhooks = source?.state();
  return webhooks ? { webhooks } : {};
}

/** What a failure that ends a run tells subscribers: its type and message, bounded. */
export function failureData(err: unknown): { error: { type?: string; message: string } } {
  const app = err instanceof ApplicationFailure ? err : undefined;
  return {
    error: {
      ...(app?.type ? { type: app.type } : {}),
      message: boundedText((err as Error | undefined)?.message ?? String(err), 2000),
    },
  };
}

/** How a run ended without a result. */
export type RunEnding = 'failed' | 'cancelled' | 'budget_exceeded';

/**
 * The events a run that ends without a result sends: `run.cancelled`, or `run.failed` (preceded by
 * `budget.exceeded` when a budget stopped it). `data` is what the run adds (its totals, its budget).
 */
export function endingEvents(
  ending: RunEnding,
  err: unknown,
  data: Record<string, unknown>,
): { event: WebhookEvent; data: Record<string, unknown> }[] {
  const failure = { ...data, ...failureData(err) };
  if (ending === 'cancelled') return [{ event: 'run.cancelled', data: { status: 'cancelled', ...data } }];
  const failed = { event: 'run.failed' as const, data: { status: ending, ...failure } };
  return ending === 'budget_exceeded'
    ? [{ event: 'budget.exceeded', data: { status: ending, ...failure } }, failed]
    : [failed];
}
