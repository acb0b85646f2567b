/**
 * Worker Deployment Versioning on the pinned dev server (Temporal CLI v1.5.1, server 1.29.1): workers made with
 * createAgentWorker's `deployment` option register a version; a PINNED run started on build v1 finishes on v1
 * (its workflow tasks and its model calls) after build v2 became the deployment's current version, while a run
 * started then runs on v2 only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { AGENT_WORKFLOW_TYPE, decideUpdate, stateQuery } from '../../src/contracts/agent-contract';
import type { agentWorkflow } from '../../src/workflows';
import { useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const stack = useTestStack({ worker: false });
const deploymentName = `da-test-${process.pid}`;
const EventType = temporal.api.enums.v1.EventType;

/**
 * Makes `buildId` the deployment's current version. The server knows a version only after its workers polled,
 * and refuses to make a version current before then, so this retries until it is accepted.
 */
async function setCurrentVersion(client: Client, buildId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: stack.namespace,
        deploymentName,
        buildId,
        identity: 'worker-deployment.test',
      });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

/** The identities of the workers that took the run's workflow tasks and its activity tasks, from its history. */
async function workersOf(handle: WorkflowHandle): Promise<{ workflow: Set<string>; activity: Set<string> }> {
  const history = await handle.fetchHistory();
  const workflow = new Set<string>();
  const activity = new Set<string>();
  for (const event of history.events ?? []) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      workflow.add(event.workflowTaskStartedEventAttributes?.identity ?? '');
    }
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      activity.add(event.activityTaskStartedEventAttributes?.identity ?? '');
    }
  }
  return { workflow, activity };
}

async function versionOf(handle: WorkflowHandle): Promise<{ buildId?: string; behavior?: unknown }> {
  const described = await handle.describe();
  const info = described.raw.workflowExecutionInfo?.versioningInfo;
  return {
    ...(info?.deploymentVersion?.buildId ? { buildId: info.deploymentVersion.buildId } : {}),
    behavior: info?.behavior,
  };
}

describe('worker deployment versioning', () => {
  it('a pinned run finishes on the version that started it while new runs start on the new current version', async () => {
    stack.mock.addScenario('wd-pinned', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'wd/pinned.md', content: 'v1' } }] },
        { text: 'done on v1' },
      ],
    });
    stack.mock.addScenario('wd-new', { turns: [{ text: 'done on v2' }] });

    // A rate limit sends the model calls to the provider queue, so the model workers' versioning is checked too.
    await stack.startWorker({
      identity: 'worker-v1',
      rateLimits: { mock: 100 },
      extra: { deployment: { deploymentName, buildId: 'v1' } },
    });
    await setCurrentVersion(stack.client, 'v1');

    const pinned = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `wd-pinned-${process.pid}`,
      args: [
        {
          instructions: 't',
          input: 'write',
          model: 'mock:wd-pinned',
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
        },
      ],
    });
    // The run waits for a person mid-run: its first model call is done, the write is pending.
    await waitFor(
      'the pinned run to wait for approval',
      async () => (await pinned.query(stateQuery)).pendingApprovals.length > 0,
    );
    assert.deepEqual(await versionOf(pinned), {
      buildId: 'v1',
      behavior: temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
    });

    // Build v2 rolls out beside v1 and becomes current.
    await stack.startWorker({
      identity: 'worker-v2',
      rateLimits: { mock: 100 },
      extra: { deployment: { deploymentName, buildId: 'v2' } },
    });
    await setCurrentVersion(stack.client, 'v2');

    const fresh = await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `wd-new-${process.pid}`,
      args: [{ instructions: 't', input: 'hi', model: 'mock:wd-new' }],
    });
    assert.equal((fresh as { text?: string }).text, 'done on v2');
    const freshHandle = stack.client.workflow.getHandle(`wd-new-${process.pid}`);
    assert.equal((await versionOf(freshHandle)).buildId, 'v2');

    // The pinned run goes on after the switch: its approval, its tool call and its second model call.
    const [pending] = (await pinned.query(stateQuery)).pendingApprovals;
    await pinned.executeUpdate(decideUpdate, { args: [{ approvalId: pending!.approvalId, decision: 'approve' }] });
    const result = (await pinned.result()) as { text?: string };
    assert.equal(result.text, 'done on v1');
    assert.equal((await versionOf(pinned)).buildId, 'v1');

    const pinnedWorkers = await workersOf(pinned);
    assert.deepEqual([...pinnedWorkers.workflow], ['worker-v1']);
    assert.ok(pinnedWorkers.activity.size > 0);
    for (const identity of pinnedWorkers.activity) assert.match(identity, /^worker-v1/);
    assert.ok(pinnedWorkers.activity.has('worker-v1-model-mock'), [...pinnedWorkers.activity].join(', '));

    const freshWorkers = await workersOf(freshHandle);
    assert.deepEqual([...freshWorkers.workflow], ['worker-v2']);
    for (const identity of freshWorkers.activity) assert.match(identity, /^worker-v2/);
  });

  // Server 1.29.1 (API v1.53) has no upgrade-on-continue-as-new (`initialVersioningBehavior: 'AUTO_UPGRADE'`,
  // `targetWorkerDeploymentVersionChanged` arrive in later servers): a pinned run's next run inherits its pin.
  // Long runs reach a new build only by running with AUTO_UPGRADE (AGENT_WORKER_VERSIONING=auto-upgrade) and
  // patched(); docs/deploying.md#upgrades says so. This test keeps that fact checked.
  it('a pinned run that continues as new after the switch stays pinned to its version on this server', async () => {
    stack.mock.addScenario('wd-can', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'wd/can.md', content: 'v1' } }] },
        { text: 'done after continue-as-new' },
      ],
    });
    // Both workers run from the test above; v1 becomes current again only to start this run there.
    await setCurrentVersion(stack.client, 'v1');
    const workflowId = `wd-can-${process.pid}`;
    const first = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [
        {
          instructions: 't',
          input: 'write',
          model: 'mock:wd-can',
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
          continueAsNewAfterSteps: 1,
        },
      ],
    });
    await waitFor(
      'the run to wait for approval',
      async () => (await first.query(stateQuery)).pendingApprovals.length > 0,
    );
    assert.equal((await versionOf(first)).buildId, 'v1');
    await setCurrentVersion(stack.client, 'v2');
    const [pending] = (await first.query(stateQuery)).pendingApprovals;
    await first.executeUpdate(decideUpdate, { args: [{ approvalId: pending!.approvalId, decision: 'approve' }] });
    const result = (await first.result()) as { text?: string };
    assert.equal(result.text, 'done after continue-as-new');
    const latest = stack.client.workflow.getHandle(workflowId);
    const latestRun = (await latest.describe()).runId;
    assert.notEqual(latestRun, first.firstExecutionRunId, 'the run did not continue as new');
    assert.deepEqual(await versionOf(latest), {
      buildId: 'v1',
      behavior: temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
    });
    assert.deepEqual([...(await workersOf(latest)).workflow], ['worker-v1']);
  });
});
