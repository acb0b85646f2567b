/**
 * Live tokens on the dev server, across processes: two worker processes publish to the PostgreSQL token broker,
 * two subscribers on separate broker connections (as two API processes have) follow a run through the client
 * API's `tokens()`. A retried attempt is announced and replaces the failed one's text; a subscriber that joins
 * late gets the text so far; a token costs no history event; a worker killed mid-stream is noticed from its
 * missing heartbeats and another worker's attempt streams afresh.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { createAgentClient, type AgentClient } from '../../src/client';
import type { AgentInput, AgentResult } from '../../src/contracts/agent-contract';
import type { TokenEvent } from '../../src/contracts/tokens';
import type { TokenBroker } from '../../src/streaming/broker';
import { createPostgresTokenBroker } from '../../src/streaming/postgres';
import {
  startChildWorker,
  writeWorkflowBundle,
  type ChildWorker,
  type ChildWorkerSettings,
} from '../helpers/child-worker';
import { agentctlEnv, spawnAgentctl } from '../helpers/agentctl';
import { startPostgres, type PostgresCluster } from '../helpers/postgres';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

let stack: TestStack;
let pg: PostgresCluster;
let bundlePath: string;
const children: ChildWorker[] = [];
const brokers: TokenBroker[] = [];

before(async () => {
  [stack, pg, bundlePath] = await Promise.all([
    startTestStack({ worker: false }),
    startPostgres(),
    writeWorkflowBundle(),
  ]);
});
after(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await Promise.all(brokers.map((b) => b.close()));
  await stack?.stop();
  await pg?.stop();
  if (bundlePath) fs.rmSync(bundlePath, { force: true });
});

function worker(taskQueue: string, identity: string): Promise<ChildWorker> {
  const settings: ChildWorkerSettings = {
    address: stack.address,
    namespace: stack.namespace,
    taskQueue,
    mockUrl: stack.mock.url,
    workspaceDir: stack.workspaceDir,
    knowledgeBaseDir: stack.knowledgeBaseDir,
    bundlePath,
    identity,
    tokenStreamUrl: pg.url,
  };
  return startChildWorker(settings).then((w) => (children.push(w), w));
}

/** A client as an API process has one: its own broker connection. */
function apiClient(taskQueue: string): AgentClient {
  const tokens = createPostgresTokenBroker(pg.url);
  brokers.push(tokens);
  return createAgentClient({ client: stack.client, taskQueue, tokens });
}

/** Follows a run's tokens and keeps the text of the latest attempt of each call, checking the rules as it goes. */
function follow(client: AgentClient, workflowId: string) {
  const controller = new AbortController();
  const events: TokenEvent[] = [];
  const calls = new Map<string, { attempt: number; text: string; outcome?: string }>();
  let subscribed!: () => void;
  const ready = new Promise<void>((resolve) => (subscribed = resolve));
  const done = (async () => {
    for await (const event of client.tokens(workflowId, { signal: controller.signal, onReady: subscribed })) {
      events.push(event);
      if (event.type === 'token.attempt') calls.set(event.callId, { attempt: event.attempt, text: '' });
      const call = calls.get(event.callId);
      assert.ok(call && call.attempt === event.attempt, 'text of one attempt only, after its announcement');
      if (event.type === 'token') {
        assert.equal(event.offset, call.text.length, 'no piece twice, none lost');
        call.text += event.text;
      }
      if (event.type === 'token.end') call.outcome = event.outcome;
    }
  })();
  return {
    events,
    calls,
    ready,
    text: () => [...calls.values()].map((c) => c.text).join(''),
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

const story = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') + '.';

function input(scenario: string): AgentInput {
  return { agent: 'storyteller', instructions: 'Tell the story.', input: 'go', model: `mock:${scenario}`, tools: [] };
}

/** Starts through the client API and hands back the Temporal handle of the run. */
async function started(client: AgentClient, agent: AgentInput, options: { id: string }) {
  const run = await client.startAgent(agent, options);
  return { run, handle: client.temporal.workflow.getHandle(run.workflowId) };
}

async function historyLength(handle: WorkflowHandle): Promise<number> {
  return (await handle.fetchHistory()).events?.length ?? 0;
}

describe('live tokens across worker and API processes', () => {
  const taskQueue = `tokens-${process.pid}`;

  before(async () => {
    await Promise.all([worker(taskQueue, 'tokens-a'), worker(taskQueue, 'tokens-b')]);
  });

  it('two subscribers, one from the start and one joining late, see every token of the retried attempt once', async () => {
    stack.mock.addScenario('tokens-retry', {
      turns: [{ text: story, chunkDelayMs: 25, faults: [{ breakAfterChars: 30 }] }],
    });
    const early = apiClient(taskQueue);
    const late = apiClient(taskQueue);
    const workflowId = `tokens-retry-${Date.now()}`;
    const first = follow(early, workflowId);
    await first.ready;
    const { handle } = await started(early, input('tokens-retry'), { id: workflowId });
    // The late subscriber joins while attempt 2 is being written.
    await waitFor(
      'attempt 2 under way',
      () => [...first.calls.values()].some((c) => c.attempt === 2 && c.text.length > 40),
      60_000,
    );
    const second = follow(late, workflowId);
    await second.ready;
    const result = (await handle.result()) as AgentResult;
    await waitFor('both subscribers see the end', () =>
      [first, second].every((s) => [...s.calls.values()].some((c) => c.outcome === 'finished')),
    );
    await Promise.all([first.stop(), second.stop()]);

    assert.equal(result.text, story);
    assert.equal(first.text(), story, 'the early subscriber ends with exactly the answer');
    assert.equal(second.text(), story, 'the late one too: the text so far, then the rest');
    const announced = first.events.filter((e) => e.type !== 'token').map((e) => `${e.type}:${e.attempt}`);
    assert.deepEqual(announced, ['token.attempt:1', 'token.end:1', 'token.attempt:2', 'token.end:2']);
    const attempt1 = first.events
      .filter((e) => e.type === 'token' && e.attempt === 1)
      .map((e) => (e as { text: string }).text);
    assert.ok(story.startsWith(attempt1.join('')) && attempt1.join('').length > 0, 'attempt 1 streamed a prefix first');
    assert.ok(
      second.events.every((e) => e.attempt === 2),
      'the late subscriber never sees the failed attempt',
    );
  });

  it('a token costs no history event: a long streamed answer makes the same history as a short one', async () => {
    stack.mock.addScenario('tokens-short', { turns: [{ text: 'Short.' }] });
    stack.mock.addScenario('tokens-long', { turns: [{ text: story.repeat(20) }] });
    const client = apiClient(taskQueue);
    const short = await started(client, input('tokens-short'), { id: `tokens-short-${Date.now()}` });
    const long = await started(client, input('tokens-long'), { id: `tokens-long-${Date.now()}` });
    await Promise.all([short.handle.result(), long.handle.result()]);
    const [shortEvents, longEvents] = await Promise.all([historyLength(short.handle), historyLength(long.handle)]);
    assert.equal(
      longEvents,
      shortEvents,
      `history events: ${longEvents} for ~${story.length * 20} chars, ${shortEvents} for 6`,
    );
    assert.ok(stack.mock.requests.filter((r) => r.scenario === 'tokens-long').every((r) => r.streamed));
  });
});

describe('a worker killed mid-stream', () => {
  it('is noticed from its missing heartbeats; the next attempt streams afresh on another worker', async () => {
    const taskQueue = `tokens-kill-${process.pid}`;
    const victim = await worker(taskQueue, 'tokens-victim');
    stack.mock.addScenario('tokens-kill', { turns: [{ text: story, chunkDelayMs: 150 }] });
    const client = apiClient(taskQueue);
    const workflowId = `tokens-kill-${Date.now()}`;
    const watcher = follow(client, workflowId);
    await watcher.ready;
    const { handle } = await started(client, input('tokens-kill'), { id: workflowId });
    await waitFor('the stream under way', () => watcher.text().length > 20, 60_000);
    const killedAt = Date.now();
    await victim.kill();
    await worker(taskQueue, 'tokens-rescuer');
    const result = (await handle.result()) as AgentResult;
    await waitFor('the end of attempt 2', () => [...watcher.calls.values()].some((c) => c.outcome === 'finished'));
    await watcher.stop();
    assert.equal(result.text, story);
    assert.equal(watcher.text(), story, 'attempt 2 replaced the dead attempt 1');
    const attempts = watcher.events.filter((e) => e.type === 'token.attempt').map((e) => e.attempt);
    assert.deepEqual(attempts, [1, 2]);
    // The second attempt started within the heartbeat timeout (plus the retry's backoff), not the call's timeout.
    const retried = stack.mock.requests.filter((r) => r.scenario === 'tokens-kill')[1];
    assert.ok(retried, 'the call was sent again');
    const noticedMs = Date.parse(retried.at) - killedAt;
    assert.ok(noticedMs < 30_000, `the dead worker was noticed in ${noticedMs} ms`);
  });
});

describe('agentctl watch --tokens', () => {
  it('prints the text as it is written, announcing a retry, through the broker of AGENT_TOKEN_STREAM_URL', async () => {
    const taskQueue = `tokens-cli-${process.pid}`;
    await worker(taskQueue, 'tokens-cli');
    stack.mock.addScenario('tokens-cli', {
      turns: [{ text: story, chunkDelayMs: 40, faults: [{ breakAfterChars: 25 }] }],
    });
    const client = apiClient(taskQueue);
    const workflowId = `tokens-cli-${Date.now()}`;
    const env = agentctlEnv(stack, { TEMPORAL_TASK_QUEUE: taskQueue, AGENT_TOKEN_STREAM_URL: pg.url });
    await started(client, input('tokens-cli'), { id: workflowId });
    const watch = spawnAgentctl(['watch', workflowId, '--tokens', '--interval', '200'], env);
    const run = await watch.done;
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    const retry = lines.findIndex((l) => l.includes('↻ mock:tokens-cli attempt 2: the text starts again'));
    assert.ok(retry >= 0, `the retry is announced:\n${run.stdout}`);
    // Step lines may come between pieces of text; the pieces after the announcement make up the whole answer.
    const written = lines
      .slice(retry + 1)
      .filter((l) => l.startsWith('  ✎ '))
      .map((l) => l.slice('  ✎ '.length))
      .join('');
    assert.equal(written, story, run.stdout);
  });

  it('refuses --tokens without a broker, naming the setting', async () => {
    const env = agentctlEnv(stack);
    const run = await spawnAgentctl(['watch', 'no-such-run', '--tokens'], env).done;
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /AGENT_TOKEN_STREAM_URL/);
  });
});
