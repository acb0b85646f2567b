/**
 * Crash tests: workers in child processes are SIGKILLed in the middle of a model call and of a side-effecting
 * tool call (before and after its effect), and the dev server is restarted on its SQLite file mid-run. Each
 * time another worker finishes the run; the mock LLM server's log shows that no completed model request was
 * sent twice, and the tool's effect log shows exactly one effect per call.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalEnvironment } from '../../src/testing/local-environment';
import { AGENT_WORKFLOW_TYPE, type AgentInput } from '../../src/contracts/agent-contract';
import { agentSearchAttributeKeys } from '../../src/contracts/search-attributes';
import type { agentWorkflow } from '../../src/workflows';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { readEffects } from '../fixtures/effect-tools';
import {
  startChildWorker,
  writeWorkflowBundle,
  type ChildWorker,
  type ChildWorkerSettings,
} from '../helpers/child-worker';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

let stack: TestStack;
let bundlePath: string;
let tmp: string;
const children: ChildWorker[] = [];
let childCount = 0;

before(async () => {
  stack = await startTestStack({ worker: false });
  bundlePath = await writeWorkflowBundle();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'da-crash-'));
});
after(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await stack?.stop();
  fs.rmSync(path.dirname(bundlePath), { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

const toolsModule = path.join(__dirname, '..', 'fixtures', 'effect-tools.ts');

function settings(taskQueue: string, address = stack.address): ChildWorkerSettings {
  return {
    address,
    namespace: stack.namespace,
    taskQueue,
    mockUrl: stack.mock.url,
    workspaceDir: stack.workspaceDir,
    knowledgeBaseDir: stack.knowledgeBaseDir,
    bundlePath,
    toolsModule,
    identity: `child-${taskQueue}`,
  };
}

async function child(taskQueue: string, env: Record<string, string>, address?: string): Promise<ChildWorker> {
  const worker = await startChildWorker({ ...settings(taskQueue, address), identity: `child-${++childCount}` }, env);
  children.push(worker);
  return worker;
}

function input(scenario: string, tools: string[]): AgentInput {
  return {
    agent: 'crash-tester',
    instructions: 'You are a test agent.',
    input: 'go',
    model: `mock:${scenario}`,
    tools,
  };
}

const requestsFor = (scenario: string) => stack.mock.requests.filter((r) => r.scenario === scenario);

/** Every model request that was answered, counted by conversation point: each must appear once. */
function assertNoCompletedRequestRepeated(scenario: string): void {
  const completed = requestsFor(scenario).filter((r) => r.outcome === 'ok');
  const seen = new Map<string, number>();
  for (const r of completed) seen.set(`${r.turn}:${r.requestHash}`, (seen.get(`${r.turn}:${r.requestHash}`) ?? 0) + 1);
  for (const [point, count] of seen) assert.equal(count, 1, `completed model request ${point} was sent ${count} times`);
}

const marks = (logFile: string): { point: string; key: string; pid: number }[] =>
  fs.existsSync(`${logFile}.marks`)
    ? fs
        .readFileSync(`${logFile}.marks`, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { point: string; key: string; pid: number })
    : [];

describe('a worker killed with SIGKILL', () => {
  // A pool of workers on one queue, started together: each test kills whichever one runs its call, and the
  // others carry on. Four, so that one is left after three kills.
  const taskQueue = `crash-${process.pid}`;
  const pool = new Map<string, ChildWorker>();
  let logFile: string;

  before(async () => {
    logFile = path.join(tmp, 'effects.log');
    await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (name) => {
        const identity = `crash-${name}`;
        const worker = await startChildWorker({ ...settings(taskQueue), identity }, { EFFECT_LOG: logFile });
        children.push(worker);
        pool.set(identity, worker);
      }),
    );
  });

  async function kill(victim: ChildWorker | undefined, what: string): Promise<void> {
    assert.ok(victim, `${what} runs in one of the pool's workers`);
    await victim.kill();
    for (const [identity, worker] of pool) if (worker === victim) pool.delete(identity);
  }

  it('during a model call: another worker finishes the run and no completed model request is sent twice', async () => {
    const scenario = 'crash-model-call';
    stack.mock.addScenario(scenario, {
      turns: [
        { toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }] },
        // The first attempt is a slow reply: the worker dies while it waits; the retry is answered at once.
        { text: 'It is 42.', faults: [{ delayMs: 60_000 }] },
      ],
    });
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `crash-model-${process.pid}`,
      args: [input(scenario, ['calculator'])],
    });
    await waitFor('the second model call to be in flight', () => requestsFor(scenario).some((r) => r.turn === 1));
    let busy: string | undefined;
    await waitFor('the worker running the model call', async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      busy = pending.find((a) => a.activityType?.name === 'callModel')?.lastWorkerIdentity ?? undefined;
      return Boolean(busy);
    });
    // Model calls run on the process's model worker, whose identity extends the process's (`<id>-model-mock`).
    const holder = [...pool].find(([identity]) => busy === identity || busy?.startsWith(`${identity}-`))?.[1];
    await kill(holder, `the model call (on ${busy})`);

    const result = await handle.result();
    assert.equal(result.text, 'It is 42.');
    assert.equal(result.modelCalls, 2);
    assertNoCompletedRequestRepeated(scenario);
    assert.equal(requestsFor(scenario).filter((r) => r.turn === 0).length, 1, 'the first model call ran once');
    const second = requestsFor(scenario).filter((r) => r.turn === 1);
    assert.deepEqual(
      second.map((r) => r.outcome),
      ['aborted', 'ok'],
      'the interrupted call was cut off and retried once',
    );
  });

  for (const hold of ['before', 'after'] as const) {
    it(`during a side-effecting tool call, ${hold} its effect: the effect log shows exactly one effect`, async () => {
      const scenario = `crash-tool-${hold}`;
      stack.mock.addScenario(scenario, {
        // The call holds its first attempt at the chosen point, so the worker running it can be killed there.
        turns: [
          { toolCalls: [{ name: 'record_effect', arguments: { note: `kill ${hold}`, hold } }] },
          { text: 'recorded' },
        ],
      });
      const workflowId = `crash-tool-${hold}-${process.pid}`;
      const mine = <T extends { key: string }>(lines: T[]): T[] =>
        lines.filter((l) => l.key.startsWith(`${workflowId}:`));
      const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId,
        args: [input(scenario, ['record_effect'])],
      });
      await waitFor(`the tool to hold ${hold} its effect`, () =>
        mine(marks(logFile)).some((m) => m.point === `${hold}-effect`),
      );
      assert.equal(mine(readEffects(logFile)).length, hold === 'after' ? 1 : 0);
      const holder = mine(marks(logFile)).find((m) => m.point === `${hold}-effect`)?.pid;
      await kill(
        [...pool.values()].find((w) => w.pid === holder),
        `the tool call (pid ${holder})`,
      );

      const result = await handle.result();
      assert.equal(result.text, 'recorded');

      // The key names the workflow, the run and the call: a retry reuses it, a reset would not.
      const { runId } = await handle.describe();
      const effects = mine(readEffects(logFile));
      assert.deepEqual(
        effects.map((e) => e.key),
        [`${workflowId}:${runId}:step-1:call-1`],
        `exactly one effect: ${JSON.stringify(effects)}`,
      );
      const toolResult = requestsFor(scenario).find((r) => r.turn === 1)?.lastUserOrToolContent ?? '';
      // After the effect, the retried attempt found its key in the log and acted no more.
      assert.match(toolResult, hold === 'after' ? /already recorded/ : /recorded kill before/);
      assertNoCompletedRequestRepeated(scenario);
    });
  }
});

/** A port free right now, for a server that must come back on the same address. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the dev server restarted mid-run', () => {
  it('on the same SQLite file: the run continues and completes', async () => {
    const cli = await resolveTemporalCli({ allowInstall: false });
    const port = await freePort();
    const dbFilename = path.join(tmp, 'temporal.sqlite');
    const startServer = () =>
      createLocalEnvironment({
        server: {
          ...(cli.source === 'sdk-download' ? {} : { executable: { type: 'existing-path', path: cli.path } }),
          ip: '127.0.0.1',
          port,
          dbFilename,
          searchAttributes: agentSearchAttributeKeys,
          extraArgs: ['--log-level', 'error'],
        },
      });
    const scenario = 'server-restart';
    stack.mock.addScenario(scenario, {
      turns: [
        { toolCalls: [{ name: 'record_effect', arguments: { note: 'before the restart' } }] },
        { toolCalls: [{ name: 'record_effect', arguments: { note: 'after the restart' } }], delayMs: 3000 },
        { text: 'both recorded' },
      ],
    });
    const logFile = path.join(tmp, 'effects-restart.log');
    const taskQueue = `server-restart-${process.pid}`;
    const address = `127.0.0.1:${port}`;
    let env = await startServer();
    try {
      await child(taskQueue, { EFFECT_LOG: logFile }, address);
      const workflowId = `server-restart-${process.pid}`;
      await env.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId,
        args: [input(scenario, ['record_effect'])],
      });
      await waitFor('the second model call', () => requestsFor(scenario).some((r) => r.turn === 1));
      await env.teardown();

      env = await startServer();
      // The same worker process reconnects on its own; the run picks up where the server left it.
      const result = await env.client.workflow.getHandle<typeof agentWorkflow>(workflowId).result();
      assert.equal(result.text, 'both recorded');
      assert.deepEqual(
        readEffects(logFile).map((e) => e.note),
        ['before the restart', 'after the restart'],
      );
    } finally {
      await env.teardown();
    }
  });
});
