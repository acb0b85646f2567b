/**
 * agentctl over the client API, for what used to go wrong: a tool that returns an object (watch and status
 * crashed), graph views printing `[object Object]`, status of a failed run hiding the root cause, graphs that end
 * rejected exiting 0, fork on a run that continued as new, and `start` waiting in silence when no worker polls.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define-tool';
import { AGENT_WORKFLOW_TYPE, stateQuery } from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE } from '../../src/contracts/graph-contract';
import { agentctl, agentctlEnv, spawnAgentctl } from '../helpers/agentctl';
import { useTestStack } from '../helpers/stack';

/** A tool whose result is an object, as a JavaScript tools module may well return. */
const inventory = defineTool({
  name: 'inventory',
  description: 'Counts the stock.',
  schema: z.object({}),
  sideEffects: 'none',
  run: () => ({ total: 42, items: ['bolts', 'nuts'] }) as unknown as string,
});

let env: Record<string, string>;
let n = 0;
const stack = useTestStack({ tools: [inventory] }, async (s) => {
  env = agentctlEnv(s);
});
const id = (what: string) => `fixes-${process.pid}-${what}-${++n}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-fixes-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('agentctl fixes', () => {
  it('watch and status render a tool result that is an object, in agent and graph runs', async () => {
    stack.mock.addScenario('fixes-object', {
      turns: [{ toolCalls: [{ name: 'inventory', arguments: {} }] }, { text: 'counted' }],
    });
    const agentRun = id('object');
    await stack.client.workflow.start(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: agentRun,
      args: [{ instructions: 'Count.', input: 'count', model: 'mock:fixes-object', tools: ['inventory'] }],
    });
    const watched = await agentctl(['watch', agentRun, '--interval', '200'], env);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /step 1 · tool inventory · ok · \{"total":42,"items":\["bolts","nuts"\]\}/);
    const status = await agentctl(['status', agentRun], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /inventory\s+ok\s+\{"total":42/);
    assert.doesNotMatch(status.stderr + watched.stderr, /replace is not a function/);

    const graphRun = id('graph-object');
    await stack.client.workflow.start(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: graphRun,
      args: [
        {
          spec: {
            name: 'fixes-count',
            state: {},
            entry: 'count',
            nodes: { count: { kind: 'tool', tool: 'inventory', args: {}, next: 'done' }, done: { kind: 'end' } },
          },
        },
      ],
    });
    const graphWatch = await agentctl(['watch', graphRun, '--interval', '200'], env);
    assert.equal(graphWatch.code, 0, graphWatch.stderr);
    const graphStatus = await agentctl(['status', graphRun], env);
    assert.equal(graphStatus.code, 0, graphStatus.stderr);
    for (const out of [graphWatch.stdout, graphStatus.stdout]) {
      assert.doesNotMatch(out, /\[object Object\]/);
      assert.match(out, /\{"total":42/);
    }
  });

  it('status of a failed run shows the root cause, as result does', async () => {
    const failing = id('auth');
    const run = await agentctl(
      ['start', 'research-assistant', '--model', 'mock:auth-failed', '--id', failing, '--wait'],
      env,
    );
    assert.equal(run.code, 1, run.stderr);
    const status = await agentctl(['status', failing], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /error:\s+run .* failed in activity callModel: AuthFailed: .*Incorrect API key/);
    const asJson = await agentctl(['status', failing, '--json'], env);
    assert.equal((JSON.parse(asJson.stdout) as { status: string }).status, 'failed');
  });

  it('a graph that ends rejected exits 3 from start --wait, result and watch (documented in help)', async () => {
    const spec = path.join(dir, 'gate.yaml');
    fs.writeFileSync(
      spec,
      [
        'name: fixes-gate',
        'description: one gate, no model',
        'state: {}',
        'entry: gate',
        'nodes:',
        "  gate: { kind: approval, what: 'ship it?', next: done }",
        '  done: { kind: end }',
        '',
      ].join('\n'),
    );
    const workflowId = id('gate');
    const waiting = spawnAgentctl(['start', spec, '--id', workflowId, '--wait'], env);
    const handle = stack.client.workflow.getHandle(workflowId);
    for (let i = 0; ; i++) {
      const state = await handle.query(stateQuery).catch(() => undefined);
      if (state?.pendingApprovals.length) break;
      assert.ok(i < 300, 'the gate never opened');
      await sleep(100);
    }
    const watching = spawnAgentctl(['watch', workflowId, '--interval', '200'], env);
    await sleep(1000);
    const rejected = await agentctl(['reject', workflowId, '--reason', 'not today'], env);
    assert.equal(rejected.code, 0, rejected.stderr);
    const waited = await waiting.done;
    assert.equal(waited.code, 3, waited.stderr);
    assert.match(waited.stdout, /status:\s+rejected/);
    assert.match(waited.stderr, /ended rejected/);
    const watched = await watching.done;
    assert.equal(watched.code, 3, watched.stderr);
    assert.match(watched.stdout, /completed \(rejected\)/);
    const result = await agentctl(['result', workflowId], env);
    assert.equal(result.code, 3, result.stderr);
    const help = await agentctl(['result', '--help'], env);
    assert.match(help.stdout, /3 when a graph ended rejected, limit_reached or budget_exceeded/);
  });

  it('fork on a run that continued as new counts steps and refuses clearly what it cannot do', async () => {
    stack.mock.addScenario('fixes-long', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '2 * 2' } }], repeat: 3 }, { text: 'fin' }],
    });
    const workflowId = id('long');
    await stack.client.workflow.execute(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [
        {
          instructions: 'Multiply.',
          input: 'Two times two, three times.',
          model: 'mock:fixes-long',
          tools: ['calculator'],
          continueAsNewAfterSteps: 2,
          conversationByReference: false,
        },
      ],
    });
    const early = await agentctl(['fork', workflowId, '--from-step', '1'], env);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /step 1 of run .* ran in an earlier run: the run continued as new after step 2/);
    const late = await agentctl(['fork', workflowId, '--from-step', '5'], env);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /out of range: run .* made 4 steps, so steps 3 to 4 can be forked from/);
    const forked = await agentctl(['fork', workflowId, '--from-step', '3'], env);
    assert.equal(forked.code, 0, forked.stderr);
    assert.match(forked.stdout, /forked .* from step 3/);
    const result = await agentctl(['result', workflowId], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^fin$/m);
  });

  it('start says at once when no worker polls the queue or serves the model, and --wait stops', async () => {
    const lonely = id('lonely');
    const started = await agentctl(
      ['start', 'research-assistant', '--model', 'mock:x', '--task-queue', `nobody-${process.pid}`, '--id', lonely],
      env,
    );
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stderr, /warning: no worker is polling task queue nobody-\d+/);
    const begun = Date.now();
    const waited = await agentctl(
      ['start', 'research-assistant', '--model', 'mock:x', '--task-queue', `nobody-${process.pid}`, '--wait'],
      env,
    );
    assert.equal(waited.code, 1);
    assert.match(waited.stderr, /not waiting for run .*no worker is polling task queue/);
    assert.ok(Date.now() - begun < 20_000, 'said within seconds');

    // The stack's workers serve only the mock provider, so the agent's default OpenAI model has no model worker.
    const noModel = id('no-model');
    const openai = await agentctl(['start', 'research-assistant', '--id', noModel], env);
    assert.equal(openai.code, 0, openai.stderr);
    assert.match(openai.stderr, /warning: no worker serves openai models \(nobody polls .*-model-openai\)/);
    const waitedId = /started (\S+)/.exec(waited.stdout)?.[1];
    assert.ok(waitedId, waited.stdout);
    for (const workflowId of [lonely, noModel, waitedId])
      await stack.client.workflow.getHandle(workflowId).terminate('test');
  });
});
