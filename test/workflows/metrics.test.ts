/**
 * Runtime metrics through a real dev server: the Temporal runtime serves Prometheus on a free 127.0.0.1 port, and
 * scraping it shows the SDK's own metrics beside our per-run counters of tokens, cost and model calls.
 *
 * `Runtime.install` runs once per process, so this file installs it (with Prometheus) before the test stack
 * would install its own, and keeps to itself: node's test runner gives each file its own process.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_WORKFLOW_TYPE, approveSignal, stateQuery, type AgentResult } from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, type GraphResult } from '../../src/contracts/graph-contract';
import type { Usage } from '../../src/contracts/messages';
import { costOf, priceFor } from '../../src/contracts/pricing';
import { telemetrySettingsFromEnv } from '../../src/config/telemetry';
import { createLogger, installTemporalLogging } from '../../src/telemetry/logging';
import { MetricName, runtimeMetricsOptions } from '../../src/telemetry/metrics';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let metricsUrl: string;

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format: `name{label="value",…} number` lines; comments skipped. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = value as string;
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(): Promise<Sample[]> {
  const response = await fetch(metricsUrl);
  assert.equal(response.status, 200);
  return parseMetrics(await response.text());
}

/** Sums the samples of one metric whose labels include `labels`. */
function sum(samples: Sample[], name: string, labels: Record<string, string>): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

/** Scrapes until the check passes (metrics leave the workflow through a sink, a moment after the run ends). */
async function scrapeUntil(what: string, check: (samples: Sample[]) => boolean): Promise<Sample[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const samples = await scrape();
    if (check(samples)) return samples;
    if (Date.now() > deadline) {
      const ours = samples.filter((s) => s.name.includes('durable_agents'));
      assert.fail(`timed out waiting for ${what}; durable_agents samples: ${JSON.stringify(ours)}`);
    }
    await sleep(200);
  }
}

const microUsd = (model: string, usage: Usage): number => {
  const price = priceFor(model);
  assert.ok(price, `a price for ${model}`);
  return Math.round(costOf(usage, price) * 1e6);
};
const usage = (input: number, output: number): Usage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: 0,
});

before(async () => {
  const bind = `127.0.0.1:${await freePort()}`;
  const settings = telemetrySettingsFromEnv({ TEMPORAL_PROMETHEUS_BIND: bind });
  metricsUrl = `http://${bind}/metrics`;
  // Installed before the stack starts, so this runtime (with Prometheus) is the one the process uses.
  installTemporalLogging(createLogger('warn', 2), { metrics: runtimeMetricsOptions(settings) });
  stack = await startTestStack();
});
after(async () => {
  await stack?.stop();
});

describe('runtime metrics', () => {
  it('counts tokens, cost and model calls per model and agent, beside the Temporal SDK metrics', async () => {
    const model = 'mock:metrics-agent';
    const turns = [usage(100, 10), usage(130, 12), usage(160, 8)];
    stack.mock.addScenario('metrics-agent', {
      turns: [
        { toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 3' } }], usage: { input: 100, output: 10 } },
        { toolCalls: [{ name: 'calculator', arguments: { expression: '5 * 7' } }], usage: { input: 130, output: 12 } },
        { text: 'The answer is 35.', usage: { input: 160, output: 8 } },
      ],
    });
    const result: AgentResult = await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `metrics-agent-${process.pid}`,
      args: [
        { agent: 'counter', instructions: 'Compute.', input: '2 + 3, then times 7', model, tools: ['calculator'] },
      ],
    });
    assert.equal(result.modelCalls, 3);

    const tags = { model, agent: 'counter' };
    const expectedCost = turns.reduce((total, u) => total + microUsd(model, u), 0);
    const samples = await scrapeUntil('the agent run counters', (s) => sum(s, MetricName.modelCalls, tags) === 3);
    assert.equal(sum(samples, MetricName.tokens, { ...tags, token_type: 'input' }), 390);
    assert.equal(sum(samples, MetricName.tokens, { ...tags, token_type: 'output' }), 30);
    assert.equal(sum(samples, MetricName.costMicroUsd, tags), expectedCost);
    // Each call's cost is rounded to a micro-dollar, so the counter stays within half of one per call of the ledger.
    assert.ok(Math.abs(expectedCost - result.cost.totalUsd * 1e6) <= turns.length / 2);
    // The worker tags every workflow metric with the run's workflow type and task queue.
    const calls = samples.find((s) => s.name === MetricName.modelCalls && s.labels.agent === 'counter');
    assert.equal(calls?.labels.workflowType, AGENT_WORKFLOW_TYPE);
    assert.equal(calls?.labels.taskQueue, stack.taskQueue);

    // The Temporal SDK's own metrics are on the same endpoint.
    assert.ok(
      sum(samples, 'temporal_workflow_completed', { workflow_type: AGENT_WORKFLOW_TYPE }) >= 1,
      'temporal_workflow_completed counts the finished run',
    );
    assert.ok(samples.some((s) => s.name.startsWith('temporal_activity_execution_latency')));
  });

  it('does not count a model call again when another worker replays the run', async () => {
    const model = 'mock:metrics-resume';
    stack.mock.addScenario('metrics-resume', {
      turns: [
        {
          toolCalls: [{ name: 'write_file', arguments: { path: 'm.txt', content: 'x' } }],
          usage: { input: 20, output: 2 },
        },
        { text: 'Written.', usage: { input: 30, output: 3 } },
      ],
    });
    // A worker of its own, so stopping it leaves the stack's worker alone.
    const queue = `${stack.taskQueue}-resume`;
    const first = await stack.startWorker({ taskQueue: queue });
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: queue,
      workflowId: `metrics-resume-${process.pid}`,
      args: [
        {
          agent: 'resumer',
          instructions: 'Write.',
          input: 'Write m.txt',
          model,
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
        },
      ],
    });
    const tags = { model, agent: 'resumer' };
    const deadline = Date.now() + 20_000;
    while ((await handle.query(stateQuery)).pendingApprovals.length === 0) {
      assert.ok(Date.now() < deadline, 'the run waits for approval');
      await sleep(100);
    }
    await scrapeUntil('the first call', (s) => sum(s, MetricName.modelCalls, tags) === 1);
    await first.stop();

    // The new worker has an empty cache: it replays the first model call from history, then makes the second.
    const second = await stack.startWorker({ taskQueue: queue });
    try {
      await handle.signal(approveSignal, {});
      const result: AgentResult = await handle.result();
      assert.equal(result.modelCalls, 2);
    } finally {
      await second.stop();
    }
    const samples = await scrapeUntil('the second call', (s) => sum(s, MetricName.modelCalls, tags) >= 2);
    assert.equal(sum(samples, MetricName.modelCalls, tags), 2);
    assert.equal(sum(samples, MetricName.tokens, { ...tags, token_type: 'input' }), 50);
    assert.equal(sum(samples, MetricName.tokens, { ...tags, token_type: 'output' }), 5);
  });

  it("counts a graph's own model calls under the node that made them", async () => {
    const model = 'mock:metrics-graph';
    stack.mock.addScenario('metrics-graph', { turns: [{ text: '{"grade": 7}', usage: { input: 50, output: 5 } }] });
    const result: GraphResult = await stack.client.workflow.execute<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `metrics-graph-${process.pid}`,
      args: [
        {
          spec: {
            name: 'metered',
            state: { text: { type: 'string' }, grade: { type: 'number' } },
            entry: 'grade',
            nodes: {
              grade: {
                kind: 'llm',
                model,
                instructions: 'Grade the text.',
                input: '{{text}}',
                outputSchema: { type: 'object', properties: { grade: { type: 'number' } }, required: ['grade'] },
                next: 'done',
              },
              done: { kind: 'end', output: 'grade' },
            },
          },
          input: { text: 'hello' },
        },
      ],
    });
    assert.equal(result.status, 'completed');

    const tags = { model, agent: 'grade' };
    const samples = await scrapeUntil('the graph counters', (s) => sum(s, MetricName.modelCalls, tags) === 1);
    assert.equal(sum(samples, MetricName.tokens, { ...tags, token_type: 'input' }), 50);
    assert.equal(sum(samples, MetricName.tokens, { ...tags, token_type: 'output' }), 5);
    assert.equal(sum(samples, MetricName.costMicroUsd, tags), microUsd(model, usage(50, 5)));
    const calls = samples.find((s) => s.name === MetricName.modelCalls && s.labels.agent === 'grade');
    assert.equal(calls?.labels.workflowType, GRAPH_WORKFLOW_TYPE, JSON.stringify(calls));
  });
});
