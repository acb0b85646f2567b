/**
 * A workflow change shipped behind `patched()`: a run starts on a worker with the old workflow code (idempotency
 * keys without the run id), that worker stops mid-run, and a worker with the current code finishes it. Calls
 * made on the old code keep their old keys on replay; calls made after the switch use the new ones; the whole
 * mixed history then replays on the current code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createAgentWorker, workflowsPath } from '../../src/worker/agent-worker';
import { createModelWorkers } from '../../src/worker/model-workers';
import { AGENT_WORKFLOW_TYPE, approveSignal, stateQuery } from '../../src/contracts/agent-contract';
import { IDEMPOTENCY_KEY_PATCH } from '../../src/workflows/kernel/patches';
import type { agentWorkflow } from '../../src/workflows';
import { readEffects, tools } from '../fixtures/effect-tools';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const oldKeyModule = path.join(__dirname, '..', 'fixtures', 'before-idempotency-patch', 'idempotency-key.ts');

interface ResolveData {
  request: string;
}
interface Compiler {
  hooks: {
    normalModuleFactory: {
      tap(
        name: string,
        fn: (factory: { hooks: { beforeResolve: { tap(n: string, f: (d: ResolveData) => void): void } } }) => void,
      ): void;
    };
  };
}

/**
 * The workflow bundle as it was before the patch: every import of the idempotency-key module resolves to the
 * old version in test/fixtures (what webpack's NormalModuleReplacementPlugin does, in a few lines).
 */
function bundleOldCode(): Promise<WorkflowBundleWithSourceMap> {
  const replaceKeyModule = {
    apply(compiler: Compiler) {
      compiler.hooks.normalModuleFactory.tap('old-idempotency-key', (factory) => {
        factory.hooks.beforeResolve.tap('old-idempotency-key', (data) => {
          if (/\/idempotency-key$/.test(data.request)) data.request = oldKeyModule;
        });
      });
    },
  };
  return bundleWorkflowCode({
    workflowsPath,
    logger: quiet,
    webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), replaceKeyModule] }),
  });
}

let stack: TestStack;
let effectLog: string;

/** The per-provider model workers of a task queue (model calls run there), as `npm run worker` starts them. */
async function startModelWorkers(taskQueue: string): Promise<() => Promise<void>> {
  const workers = await createModelWorkers({
    connection: stack.env.nativeConnection,
    namespace: stack.namespace,
    taskQueue,
    providers: { mock: { baseURL: stack.mock.url, wire: 'openai' } },
    shutdownGraceTime: '1s',
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
  };
}

before(async () => {
  effectLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'da-versioning-')), 'effects.log');
  process.env.EFFECT_LOG = effectLog;
  stack = await startTestStack({ worker: false, tools });
});
after(async () => {
  await stack?.stop();
  fs.rmSync(path.dirname(effectLog), { recursive: true, force: true });
});

describe(`patch ${IDEMPOTENCY_KEY_PATCH}`, () => {
  it('a run started on the old code finishes on the new code, and its history replays on the new code', async () => {
    stack.mock.addScenario('versioning', {
      turns: [
        { toolCalls: [{ name: 'record_effect', arguments: { note: 'on the old code' } }] },
        // The calculator is gated: the run waits here while the workers are swapped.
        { toolCalls: [{ name: 'calculator', arguments: { expression: '1 + 1' } }] },
        { toolCalls: [{ name: 'record_effect', arguments: { note: 'on the new code' } }] },
        { text: 'done on the new code' },
      ],
    });
    const taskQueue = `versioning-${process.pid}`;
    const workerOptions = {
      connection: stack.env.nativeConnection,
      namespace: stack.namespace,
      taskQueue,
      providers: { mock: { baseURL: stack.mock.url, wire: 'openai' as const } },
      workspaceDir: stack.workspaceDir,
      knowledgeBaseDir: stack.knowledgeBaseDir,
      tools,
      shutdownGraceTime: '1s',
      // The model workers outlive the swap of agent workers, so the test runs them itself.
      modelWorkers: false,
    };
    const stopModelWorkers = await startModelWorkers(taskQueue);
    const oldWorker = await createAgentWorker({ ...workerOptions, workflowBundle: await bundleOldCode() });
    const oldRunning = oldWorker.run();

    const workflowId = `versioning-${process.pid}`;
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [
        {
          agent: 'versioned',
          instructions: 'Record things.',
          input: 'go',
          model: 'mock:versioning',
          tools: ['record_effect', 'calculator'],
          approvalRequiredTools: ['calculator'],
        },
      ],
    });
    await waitFor('the gate', async () => (await handle.query(stateQuery)).pendingApprovals.length === 1);
    oldWorker.shutdown();
    await oldRunning;

    const newBundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    const newWorker = await createAgentWorker({ ...workerOptions, workflowBundle: newBundle });
    const newRunning = newWorker.run();
    try {
      await handle.signal(approveSignal, { by: 'tester' });
      const result = await handle.result();
      assert.equal(result.text, 'done on the new code');
    } finally {
      newWorker.shutdown();
      await newRunning;
      await stopModelWorkers();
    }

    assert.deepEqual(
      readEffects(effectLog).map((e) => [e.note, e.key]),
      [
        ['on the old code', `${workflowId}:step-1:call-1`],
        ['on the new code', `${workflowId}:${(await handle.describe()).runId}:step-3:call-1`],
      ],
    );
    const history = await handle.fetchHistory();
    const patchIds = (history.events ?? []).flatMap((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {})
        .flatMap((p) => p.payloads ?? [])
        .map((p) => Buffer.from(p.data ?? []).toString('utf8')),
    );
    assert.equal(
      patchIds.filter((d) => d.includes(IDEMPOTENCY_KEY_PATCH)).length,
      1,
      `the patch marker was recorded once, when the new code first ran: ${patchIds.join(' ')}`,
    );

    // The mixed history replays on today's code.
    await Worker.runReplayHistory({ workflowBundle: newBundle }, history, workflowId);
  });

  it('a reset re-runs a tool call under a new key, so it is not mistaken for the call it replaces', async () => {
    stack.mock.addScenario('reset-keys', {
      turns: [{ toolCalls: [{ name: 'record_effect', arguments: { note: 'reset me' } }] }, { text: 'recorded' }],
    });
    const taskQueue = `reset-keys-${process.pid}`;
    const worker = await createAgentWorker({
      connection: stack.env.nativeConnection,
      namespace: stack.namespace,
      taskQueue,
      providers: { mock: { baseURL: stack.mock.url, wire: 'openai' } },
      workspaceDir: stack.workspaceDir,
      knowledgeBaseDir: stack.knowledgeBaseDir,
      tools,
      workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: quiet }),
      shutdownGraceTime: '1s',
      modelWorkers: false,
    });
    const running = worker.run();
    const stopModelWorkers = await startModelWorkers(taskQueue);
    try {
      const workflowId = `reset-keys-${process.pid}`;
      const first = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId,
        args: [{ instructions: 'Record.', input: 'go', model: 'mock:reset-keys', tools: ['record_effect'] }],
      });
      await first.result();
      // Reset to the end of the first workflow task: everything after it, the tool call included, runs again.
      const history = await first.fetchHistory();
      const firstTask = history.events?.find((e) => e.workflowTaskCompletedEventAttributes);
      const { runId } = await stack.client.workflowService.resetWorkflowExecution({
        namespace: stack.namespace,
        workflowExecution: { workflowId, runId: first.firstExecutionRunId },
        reason: 'versioning test',
        workflowTaskFinishEventId: firstTask?.eventId,
        requestId: `reset-${process.pid}`,
      });
      assert.ok(runId);
      await stack.client.workflow.getHandle<typeof agentWorkflow>(workflowId, runId).result();

      const effects = readEffects(effectLog).filter((e) => e.key.startsWith(`${workflowId}:`));
      assert.deepEqual(
        effects.map((e) => e.key),
        [`${workflowId}:${first.firstExecutionRunId}:step-1:call-1`, `${workflowId}:${runId}:step-1:call-1`],
        'the reset run acted again, under its own key',
      );
    } finally {
      worker.shutdown();
      await running;
      await stopModelWorkers();
    }
  });
});
