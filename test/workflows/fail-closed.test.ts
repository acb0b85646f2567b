/**
 * Fail closed, on a real dev server: a cost budget refuses a model the worker cannot price (agent, fallback
 * and graph alike) unless the operator allows it; run_javascript refuses without network isolation; a
 * destructive tool gets one attempt unless it passes its idempotency key on; an agent's http_fetch host list
 * narrows the worker's rules and never widens them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { AGENT_WORKFLOW_TYPE, agentInputSchema, stateQuery, type AgentInput } from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE } from '../../src/contracts/graph-contract';
import type { GraphSpecInput } from '../../src/contracts/graph-spec';
import { defineTool } from '../../src/activities/tools/define-tool';
import { renderResult } from '../../src/cli/result';
import { renderState } from '../../src/cli/status';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { startTestStack, type TestStack } from '../helpers/stack';

const UNPRICED = 'openai:local-llama';

let attemptsWithout = 0;
let attemptsWith = 0;
const flaky = (name: string, passes: boolean, count: () => void) =>
  defineTool({
    name,
    description: 'Deletes a record (fails on its first attempt, like a timeout after the effect).',
    schema: z.object({ id: z.string() }),
    sideEffects: 'destructive',
    needsApproval: false,
    retry: { maximumAttempts: 3 },
    ...(passes ? { passesIdempotencyKey: true } : {}),
    run: ({ id }) => {
      count();
      if ((passes ? attemptsWith : attemptsWithout) === 1) throw new Error('connection reset after the delete');
      return `deleted ${id}`;
    },
  });
const deleteOnce = flaky('delete_record', false, () => void (attemptsWithout += 1));
const deleteKeyed = flaky('delete_record_keyed', true, () => void (attemptsWith += 1));

let stack: TestStack;
let n = 0;
const queues = {
  openai: `fc-openai-${process.pid}`,
  allowUnpriced: `fc-allow-${process.pid}`,
  priced: `fc-priced-${process.pid}`,
  autoNetwork: `fc-auto-${process.pid}`,
  privateAllowed: `fc-private-${process.pid}`,
};
let hits: string[] = [];
let site: http.Server;
let siteUrl: string;

before(async () => {
  stack = await startTestStack({ tools: [deleteOnce, deleteKeyed], extra: { codeRunner: { needsApproval: false } } });
  const openai = {
    openai: { apiKey: 'test-not-a-key', baseURL: `${stack.mock.url}/v1` },
    mock: { baseURL: stack.mock.url, wire: 'openai' as const },
  };
  await stack.startWorker({ taskQueue: queues.openai, providers: openai });
  await stack.startWorker({ taskQueue: queues.allowUnpriced, providers: openai, allowUnpricedModels: true });
  await stack.startWorker({
    taskQueue: queues.priced,
    providers: openai,
    prices: { [UNPRICED]: { input: 1, cachedInput: 1, output: 2 } },
  });
  await stack.startWorker({
    taskQueue: queues.autoNetwork,
    extra: { codeRunner: { needsApproval: false, networkIsolation: 'auto' } },
  });
  await stack.startWorker({ taskQueue: queues.privateAllowed, extra: { httpFetch: { allowHosts: ['127.0.0.1'] } } });
  stack.mock.addScenario('local-llama', { turns: [{ text: 'hello from a local model' }] });
  site = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('inside');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
after(async () => {
  await stack?.stop();
  site?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve));
});

function startAgent(input: Partial<AgentInput> & { model: string }, taskQueue = stack.taskQueue) {
  return stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `fail-closed-${process.pid}-${++n}`,
    args: [{ instructions: 'Answer.', input: 'hi', ...input }],
  });
}

/** The typed failure under a failed run: WorkflowFailedError → ActivityFailure → ApplicationFailure. */
async function activityFailureOf(result: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await result.then(
    () => assert.fail('expected the run to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  let cause: unknown = err.cause;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  assert.ok(cause instanceof ApplicationFailure, `no ApplicationFailure under ${String(err.cause)}`);
  return cause;
}

const requestsFor = (scenario: string) => stack.mock.requests.filter((r) => r.scenario === scenario).length;

describe('a cost budget over an unpriced model', () => {
  it('is refused before the provider is called, naming the model and AGENT_PRICES_FILE', async () => {
    const before = requestsFor('local-llama');
    const handle = await startAgent({ model: UNPRICED, budget: { maxCostUsd: 0.5 } }, queues.openai);
    const failure = await activityFailureOf(handle.result());
    assert.equal(failure.type, 'ModelUnpriced');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /model openai:local-llama has no price/);
    assert.match(failure.message, /AGENT_PRICES_FILE/);
    assert.match(failure.message, /AGENT_ALLOW_UNPRICED_MODELS=true/);
    assert.equal(requestsFor('local-llama'), before, 'no request reached the provider');
    const history = await handle.fetchHistory();
    const failedAttempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    assert.equal(failedAttempts.length, 1, 'not retried');
  });

  it('is refused in a graph llm node under the graph budget', async () => {
    const spec: GraphSpecInput = {
      name: 'unpriced-llm',
      agents: {},
      state: { answer: { type: 'string' } },
      entry: 'ask',
      nodes: {
        ask: {
          kind: 'llm',
          model: UNPRICED,
          instructions: 'Say hi.',
          input: 'hi',
          outputSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
          next: 'done',
        },
        done: { kind: 'end', output: 'answer' },
      },
    };
    const before = requestsFor('local-llama');
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: queues.openai,
      workflowId: `fail-closed-graph-${process.pid}-${++n}`,
      args: [{ spec, input: {}, budget: { maxCostUsd: 1 } }],
    });
    const failure = await activityFailureOf(handle.result());
    assert.equal(failure.type, 'ModelUnpriced');
    assert.equal(requestsFor('local-llama'), before);
  });

  it('runs without a cost budget, with a price from the worker table, or where the operator allows it; results say unpriced', async () => {
    const unbudgeted = await (await startAgent({ model: UNPRICED }, queues.openai)).result();
    assert.equal(unbudgeted.text, 'hello from a local model');

    const priced = await (await startAgent({ model: UNPRICED, budget: { maxCostUsd: 0.5 } }, queues.priced)).result();
    assert.ok(priced.cost.totalUsd > 0, 'the worker table priced it');
    assert.deepEqual(priced.cost.unpricedModels, []);

    const handle = await startAgent({ model: UNPRICED, budget: { maxCostUsd: 0.5 } }, queues.allowUnpriced);
    const allowed = await handle.result();
    assert.equal(allowed.text, 'hello from a local model');
    assert.deepEqual(allowed.cost.unpricedModels, [UNPRICED]);
    const shown = renderResult(handle.workflowId, allowed);
    assert.match(shown, /cost: +\$0\.000000 \(unpriced, not counted: openai:local-llama\)/);
    const status = renderState(handle.workflowId, await handle.query(stateQuery));
    assert.match(status, /unpriced, not counted: openai:local-llama/);
    assert.match(status, /openai:local-llama .* unpriced/, 'the by-model table says so too');
  });
});

describe('run_javascript without network isolation', () => {
  let emptyPath: string;
  let savedPath: string | undefined;
  before(() => {
    // A PATH with node's folder only: no unshare to be found, as on a worker without util-linux.
    emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), 'da-no-unshare-'));
    savedPath = process.env.PATH;
    process.env.PATH = emptyPath;
  });
  after(() => {
    process.env.PATH = savedPath;
    fs.rmSync(emptyPath, { recursive: true, force: true });
  });

  const scenario = (name: string, marker: string) =>
    stack.mock.addScenario(name, {
      turns: [
        {
          toolCalls: [
            {
              name: 'run_javascript',
              arguments: { code: `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')` },
            },
          ],
        },
        { text: 'done' },
      ],
    });

  it('refuses to run by default, and runs with the network only where the operator opted out', async () => {
    scenario('js-no-unshare', 'refused.txt');
    const refused = await (await startAgent({ model: 'mock:js-no-unshare', tools: ['run_javascript'] })).result();
    const step = refused.steps.find((s) => s.kind === 'tool');
    assert.equal(step?.status, 'error');
    assert.match(
      step?.summary ?? '',
      /ToolPermissionDenied.*refuses to run without network isolation.*unshare is not on PATH/,
    );
    assert.match(step?.summary ?? '', /RUN_JAVASCRIPT_NETWORK_ISOLATION=auto/);
    assert.ok(!fs.existsSync(path.join(stack.workspaceDir, 'refused.txt')), 'the code never ran');

    scenario('js-opted-out', 'opted-out.txt');
    const opted = await (
      await startAgent({ model: 'mock:js-opted-out', tools: ['run_javascript'] }, queues.autoNetwork)
    ).result();
    assert.equal(opted.steps.find((s) => s.kind === 'tool')?.status, 'ok');
    assert.ok(fs.existsSync(path.join(stack.workspaceDir, 'opted-out.txt')), 'explicit opt-out: it ran');
  });
});

describe('destructive tools', () => {
  it('get one attempt unless they pass their idempotency key on', async () => {
    stack.mock.addScenario('destructive-once', {
      turns: [{ toolCalls: [{ name: 'delete_record', arguments: { id: 'r1' } }] }, { text: 'done' }],
    });
    stack.mock.addScenario('destructive-keyed', {
      turns: [{ toolCalls: [{ name: 'delete_record_keyed', arguments: { id: 'r1' } }] }, { text: 'done' }],
    });
    const once = await (await startAgent({ model: 'mock:destructive-once', tools: ['delete_record'] })).result();
    assert.equal(attemptsWithout, 1, 'a retry would act a second time');
    assert.equal(once.steps.find((s) => s.kind === 'tool')?.status, 'error');

    const keyed = await (
      await startAgent({ model: 'mock:destructive-keyed', tools: ['delete_record_keyed'] })
    ).result();
    assert.equal(attemptsWith, 2, 'the key makes a retry safe, so it is retried');
    assert.equal(keyed.steps.find((s) => s.kind === 'tool')?.status, 'ok');
  });
});

describe("an agent's http_fetch host list", () => {
  const fetchScenario = (name: string) =>
    stack.mock.addScenario(name, {
      turns: [{ toolCalls: [{ name: 'http_fetch', arguments: { url: `${siteUrl}/x` } }] }, { text: 'done' }],
    });

  it('narrows what the worker allows and never widens it', async () => {
    hits = [];
    fetchScenario('fetch-narrowed');
    const narrowed = await (
      await startAgent(
        { model: 'mock:fetch-narrowed', tools: ['http_fetch'], httpFetchAllowHosts: ['docs.example.com'] },
        queues.privateAllowed,
      )
    ).result();
    assert.match(
      narrowed.steps.find((s) => s.kind === 'tool')?.summary ?? '',
      /127\.0\.0\.1 is not in this agent's http_fetch allow-list \(httpFetchAllowHosts: docs\.example\.com\)/,
    );
    assert.deepEqual(hits, [], 'nothing was sent');

    fetchScenario('fetch-not-widened');
    const widened = await (
      await startAgent({ model: 'mock:fetch-not-widened', tools: ['http_fetch'], httpFetchAllowHosts: ['127.0.0.1'] })
    ).result();
    assert.match(widened.steps.find((s) => s.kind === 'tool')?.summary ?? '', /127\.0\.0\.1 is a loopback address/);
    assert.deepEqual(hits, [], 'the agent list cannot open a private address the worker refuses');

    fetchScenario('fetch-listed');
    const listed = await (
      await startAgent(
        { model: 'mock:fetch-listed', tools: ['http_fetch'], httpFetchAllowHosts: ['127.0.0.1'] },
        queues.privateAllowed,
      )
    ).result();
    assert.equal(listed.steps.find((s) => s.kind === 'tool')?.status, 'ok');
    assert.deepEqual(hits, ['/x']);
  });

  it('accepts host names and IP addresses only, naming the field', () => {
    const base = { instructions: 'x', input: 'y', model: 'mock:x' };
    assert.ok(
      agentInputSchema.safeParse({ ...base, httpFetchAllowHosts: ['*.example.com', '10.0.0.1', '[::1]'] }).success,
    );
    const bad = agentInputSchema.safeParse({ ...base, httpFetchAllowHosts: ['https://example.com/path'] });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['httpFetchAllowHosts', 0]);
  });
});
