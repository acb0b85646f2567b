/**
 * Signed webhooks on a real dev server: a receiver (a local HTTP server) verifies every request with the
 * `standardwebhooks` library, the same one the worker signs with. Deliveries are activities, retried by Temporal
 * under one `webhook-id`; failures show in the run's state and never fail the run; a URL on a private address
 * that the operator did not allow-list is never contacted; a worker without subscriptions adds nothing to history.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Webhook } from 'standardwebhooks';
import { AGENT_WORKFLOW_TYPE, decideUpdate, stateQuery, type AgentInput } from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, graphStateQuery } from '../../src/contracts/graph-contract';
import type { WebhookPayload, WebhookSettings } from '../../src/contracts/webhooks';
import { agentInputFor, shippedAgentSpec } from '../../src/agents';
import { createAgentWorker } from '../../src/worker/agent-worker';
import { workflowsPathWithWebhooks } from '../../src/worker/plugin';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { useTestStack, workflowBundle } from '../helpers/stack';

/** One request the receiver got, with what verification made of it. */
interface Received {
  path: string;
  id: string;
  timestamp: string;
  verified: boolean;
  payload: WebhookPayload;
}

/** A webhook receiver: `/flaky` answers 500 to the first two deliveries of each webhook-id, `/down` always. */
async function startReceiver(secret: string) {
  const received: Received[] = [];
  const verifier = new Webhook(secret);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      let verified = false;
      try {
        verifier.verify(body, headers);
        verified = true;
      } catch {
        verified = false;
      }
      const entry: Received = {
        path: req.url ?? '',
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        verified,
        payload: JSON.parse(body) as WebhookPayload,
      };
      received.push(entry);
      const seen = received.filter((r) => r.path === entry.path && r.id === entry.id).length;
      const fail = entry.path === '/down' || (entry.path === '/flaky' && seen <= 2) || !verified;
      res.writeHead(fail ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { received, server, port: (server.address() as AddressInfo).port };
}

const secret = `whsec_${crypto.randomBytes(32).toString('base64')}`;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let hooksBundle: WorkflowBundleWithSourceMap;
let hooksQueue: string;
let n = 0;
const id = (what: string) => `webhooks-${process.pid}-${what}-${++n}`;

const stack = useTestStack({}, async (s) => {
  receiver = await startReceiver(secret);
  const base = `http://127.0.0.1:${receiver.port}`;
  const webhooks: WebhookSettings = {
    subscriptions: [
      {
        name: 'flaky',
        url: `${base}/flaky`,
        events: ['approval.requested', 'approval.decided', 'run.completed'],
        secret,
        agents: ['file-clerk'],
        graphs: ['hooks-graph'],
      },
      { name: 'down', url: `${base}/down`, events: ['run.completed', 'run.failed'], secret, agents: ['all-fail'] },
      {
        name: 'endings',
        url: `${base}/ok`,
        events: ['run.cancelled', 'run.failed', 'budget.exceeded'],
        secret,
        agents: ['cancel-me', 'over-budget'],
      },
      // localhost resolves to a loopback address, and only the literal 127.0.0.1 is allow-listed.
      {
        name: 'private',
        url: `http://localhost:${receiver.port}/private`,
        events: ['run.completed'],
        secret,
        agents: ['private-target'],
      },
    ],
    allowHosts: ['127.0.0.1'],
    delivery: { maximumAttempts: 4, initialInterval: '100ms', maximumInterval: '200ms', timeout: '5s' },
  };
  hooksBundle = await bundleWorkflowCode({
    workflowsPath: workflowsPathWithWebhooks(),
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (m) => process.stderr.write(`bundler: ${m}\n`),
    },
  });
  hooksQueue = `${s.taskQueue}-hooks`;
  await s.startWorker({ taskQueue: hooksQueue, workflowBundle: hooksBundle, extra: { webhooks } });
});

after(() => receiver?.server.close());

/** Waits until `until` holds over what the receiver got (the receiver answers asynchronously to the run). */
async function receivedUntil(until: (r: Received[]) => boolean, what: string): Promise<Received[]> {
  for (let i = 0; i < 300; i++) {
    if (until(receiver.received)) return receiver.received;
    await sleep(100);
  }
  return assert.fail(
    `the receiver never got ${what}; got ${JSON.stringify(receiver.received.map((r) => [r.path, r.payload.type]))}`,
  );
}

const ofRun = (workflowId: string, path: string, type: string) => (r: Received) =>
  r.path === path && r.payload.type === type && r.payload.data.workflowId === workflowId;

function inlineAgent(agent: string, scenario: string): AgentInput {
  return { agent, instructions: 'Answer briefly.', input: 'hello', model: `mock:${scenario}` };
}

/** Every marker's details and every activity type in a run's history, as text, for what-is-there checks. */
function historyTraces(history: temporal.api.history.v1.IHistory): { markers: string[]; activities: string[] } {
  const events = history.events ?? [];
  const markers = events
    .filter((e) => e.markerRecordedEventAttributes)
    .map((e) => {
      const details = e.markerRecordedEventAttributes?.details ?? {};
      const texts = Object.values(details).flatMap((p) =>
        (p.payloads ?? []).map((x) => Buffer.from(x.data ?? new Uint8Array()).toString('utf8')),
      );
      return `${e.markerRecordedEventAttributes?.markerName ?? ''} ${texts.join(' ')}`;
    });
  const activities = events.flatMap((e) =>
    e.activityTaskScheduledEventAttributes?.activityType?.name
      ? [e.activityTaskScheduledEventAttributes.activityType.name]
      : [],
  );
  return { markers, activities };
}

async function pendingApprovalOf(handle: WorkflowHandle, graph = false): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const state = graph ? await handle.query(graphStateQuery) : await handle.query(stateQuery);
    const first = state.pendingApprovals[0];
    if (first) return first.approvalId;
    await sleep(100);
  }
  return assert.fail('nothing became pending');
}

describe('webhooks', () => {
  it('delivers approval.requested and run.completed of a shipped agent with a gated tool, retrying under one webhook-id', async () => {
    const workflowId = id('file-clerk');
    const input = agentInputFor(shippedAgentSpec('file-clerk'), 'Write the summary note.', 'mock:file-clerk');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: hooksQueue,
      workflowId,
      args: [input],
    });
    // The receiver fails the first two deliveries; Temporal retries the activity and the third one is taken.
    const requested = await receivedUntil(
      (r) => r.filter(ofRun(workflowId, '/flaky', 'approval.requested')).length >= 3,
      'approval.requested three times',
    );
    const approvalId = await pendingApprovalOf(handle);
    const asked = requested.filter(ofRun(workflowId, '/flaky', 'approval.requested'));
    assert.equal(asked.length, 3);
    assert.equal(new Set(asked.map((r) => r.id)).size, 1, 'every retry carries the same webhook-id');
    assert.ok(
      asked.every((r) => r.verified),
      'every request verifies with the subscription secret',
    );
    assert.equal(asked[0]?.payload.data.approvalId, approvalId);
    assert.match(String(asked[0]?.payload.data.what), /write_file/);
    assert.equal(asked[0]?.payload.data.agent, 'file-clerk');

    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approvalId }] });
    const result = await handle.result();
    assert.equal(result.text, 'I wrote notes/summary.md.');

    // The terminal event was delivered before the run returned: it is already here, third attempt included.
    const completed = receiver.received.filter(ofRun(workflowId, '/flaky', 'run.completed'));
    assert.equal(completed.length, 3);
    assert.equal(new Set(completed.map((r) => r.id)).size, 1);
    assert.notEqual(completed[0]?.id, asked[0]?.id, 'each event has its own webhook-id');
    assert.ok(completed.every((r) => r.verified));
    assert.equal(completed[0]?.payload.data.status, 'completed');
    assert.equal(completed[0]?.payload.data.text, 'I wrote notes/summary.md.');
    assert.equal(receiver.received.filter(ofRun(workflowId, '/flaky', 'approval.decided')).length, 3);

    const state = await handle.query(stateQuery);
    assert.equal(state.webhooks?.delivered, 3);
    assert.equal(state.webhooks?.pending, 0);
    assert.deepEqual(state.webhooks?.failed, []);
    const { activities } = historyTraces(await handle.fetchHistory());
    assert.equal(activities.filter((a) => a === 'deliverWebhook').length, 3, 'one activity per event, retries inside');
  });

  it('delivers a graph run’s approval and completion too', async () => {
    const workflowId = id('graph');
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: hooksQueue,
      workflowId,
      args: [
        {
          spec: {
            name: 'hooks-graph',
            state: { x: { type: 'string' } },
            entry: 'publish',
            approvals: [{ before: 'publish', what: 'publish {{x}}' }],
            nodes: {
              publish: { kind: 'tool', tool: 'calculator', args: { expression: '1+1' }, output: 'x', next: 'done' },
              done: { kind: 'end', output: 'x' },
            },
          },
          input: { x: 'draft' },
        },
      ],
    });
    await receivedUntil((r) => r.some(ofRun(workflowId, '/flaky', 'approval.requested')), 'the graph approval');
    const approvalId = await pendingApprovalOf(handle, true);
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approvalId }] });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const completed = receiver.received.filter(ofRun(workflowId, '/flaky', 'run.completed'));
    assert.equal(completed.length, 3);
    assert.equal(completed[0]?.payload.data.graph, 'hooks-graph');
    assert.equal(completed[0]?.payload.data.workflowType, 'graphWorkflow');
    assert.equal((await handle.query(graphStateQuery)).webhooks?.delivered, 3);
  });

  it('completes a run whose deliveries all fail, and shows the failure in state', async () => {
    stack.mock.addScenario('hooks-hello', { turns: [{ text: 'hello back' }] });
    const workflowId = id('all-fail');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: hooksQueue,
      workflowId,
      args: [inlineAgent('all-fail', 'hooks-hello')],
    });
    const result = await handle.result();
    assert.equal(result.text, 'hello back');
    const attempts = receiver.received.filter(ofRun(workflowId, '/down', 'run.completed'));
    assert.equal(attempts.length, 4, 'maximumAttempts bounds the retries');
    assert.equal(new Set(attempts.map((r) => r.id)).size, 1);
    const state = await handle.query(stateQuery);
    assert.equal(state.status, 'completed');
    assert.equal(state.webhooks?.delivered, 0);
    const [failure] = state.webhooks?.failed ?? [];
    assert.equal(failure?.event, 'run.completed');
    assert.equal(failure?.subscription, 'down');
    assert.equal(failure?.attempts, 4);
    assert.equal(failure?.type, 'WebhookDeliveryFailed');
    assert.equal(failure?.webhookId, attempts[0]?.id);
    assert.match(failure?.error ?? '', /HTTP 500/);
  });

  it('refuses a subscription URL on a private address that is not allow-listed, without contacting it', async () => {
    stack.mock.addScenario('hooks-private', { turns: [{ text: 'done' }] });
    const workflowId = id('private');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: hooksQueue,
      workflowId,
      args: [inlineAgent('private-target', 'hooks-private')],
    });
    await handle.result();
    const state = await handle.query(stateQuery);
    const [failure] = state.webhooks?.failed ?? [];
    assert.equal(failure?.subscription, 'private');
    assert.equal(failure?.type, 'WebhookTargetRefused');
    assert.equal(failure?.attempts, 1, 'a refusal is not retried');
    assert.match(failure?.error ?? '', /loopback address/);
    assert.equal(receiver.received.filter((r) => r.path === '/private').length, 0, 'the receiver was never contacted');
  });

  it('sends budget.exceeded and run.failed when a budget stops a run, and run.cancelled when it is cancelled', async () => {
    stack.mock.addScenario('hooks-budget', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }] }, { text: 'never reached' }],
    });
    const overId = id('over-budget');
    const over = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: hooksQueue,
      workflowId: overId,
      args: [{ ...inlineAgent('over-budget', 'hooks-budget'), tools: ['calculator'], budget: { maxSteps: 1 } }],
    });
    await assert.rejects(over.result());
    const budget = receiver.received.find(ofRun(overId, '/ok', 'budget.exceeded'));
    const failed = receiver.received.find(ofRun(overId, '/ok', 'run.failed'));
    assert.ok(budget?.verified && failed?.verified, 'both were delivered before the run failed');
    assert.equal(budget?.payload.data.status, 'budget_exceeded');
    assert.equal((failed?.payload.data.error as { type?: string }).type, 'BudgetExceeded');

    stack.mock.addScenario('hooks-cancel', {
      turns: [{ toolCalls: [{ name: 'write_file', arguments: { path: 'hooks/cancel.md', content: 'x' } }] }],
    });
    const cancelId = id('cancel-me');
    const waiting = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: hooksQueue,
      workflowId: cancelId,
      args: [
        { ...inlineAgent('cancel-me', 'hooks-cancel'), tools: ['write_file'], approvalRequiredTools: ['write_file'] },
      ],
    });
    await pendingApprovalOf(waiting);
    await waiting.cancel();
    await assert.rejects(waiting.result());
    const cancelled = receiver.received.filter(ofRun(cancelId, '/ok', 'run.cancelled'));
    assert.equal(cancelled.length, 1, 'delivered once, before the cancelled run closed');
    assert.ok(cancelled[0]?.verified);
  });

  it('adds no history event on a worker without subscriptions, and only the plan on one whose plan is empty', async () => {
    stack.mock.addScenario('hooks-quiet', { turns: [{ text: 'quiet' }] });
    const plain = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('no-subscriptions'),
      args: [inlineAgent('file-clerk', 'hooks-quiet')],
    });
    await plain.result();
    const plainTraces = historyTraces(await plain.fetchHistory());
    assert.ok(!plainTraces.markers.some((m) => /webhook/i.test(m)), 'no webhooks patch marker, no plan');
    assert.ok(!plainTraces.activities.includes('deliverWebhook'));
    assert.equal((await plain.query(stateQuery)).webhooks, undefined);

    // The same run where a subscription exists but wants none of its events: the marker and the plan, nothing else.
    const unmatched = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: hooksQueue,
      workflowId: id('unmatched'),
      args: [inlineAgent('nobody-subscribes', 'hooks-quiet')],
    });
    await unmatched.result();
    const traces = historyTraces(await unmatched.fetchHistory());
    assert.ok(
      traces.markers.some((m) => m.includes('webhooks')),
      'the patch marker',
    );
    assert.ok(
      traces.markers.some((m) => m.includes('webhookPlan')),
      'the recorded plan',
    );
    assert.ok(!traces.activities.includes('deliverWebhook'));
    const plainCount = (await plain.fetchHistory()).events?.length ?? 0;
    const unmatchedCount = (await unmatched.fetchHistory()).events?.length ?? 0;
    assert.ok(unmatchedCount > plainCount, 'the plan costs events only where subscriptions exist');
  });

  it('refuses to start a worker with subscriptions on a prebuilt bundle that does not declare them', async () => {
    await assert.rejects(
      createAgentWorker({
        connection: stack.env.nativeConnection,
        namespace: stack.namespace,
        taskQueue: `${stack.taskQueue}-wrong-bundle`,
        providers: { mock: { baseURL: stack.mock.url, wire: 'openai' } },
        workspaceDir: stack.workspaceDir,
        workflowBundle: await workflowBundle(),
        modelWorkers: false,
        webhooks: {
          subscriptions: [{ name: 'x', url: 'https://hooks.example.com/x', events: ['run.completed'], secret }],
        },
      }),
      /prebuilt workflowBundle was not built with this plugin/,
    );
  });
});
