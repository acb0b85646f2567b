/**
 * OpenTelemetry tracing through a real dev server: a client with the tracing interceptor starts runs on a worker
 * with tracing, and the spans land in an in-memory exporter. One trace must hold the client's start, the workflow,
 * its model and tool activities (with GenAI attributes) and its child workflows; replay must not mind the
 * interceptors.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { agentModelWorkers, createAgentWorker, workflowsPath } from '../../src/worker/agent-worker';
import { AGENT_WORKFLOW_TYPE, type AgentResult } from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, type GraphResult } from '../../src/contracts/graph-contract';
import { connectClient } from '../../src/client/connect';
import { telemetrySettingsFromEnv } from '../../src/config/telemetry';
import { temporalSettingsFromEnv } from '../../src/config/temporal';
import { DurableAgentsAttr, GenAiAttr } from '../../src/telemetry/genai';
import { createTracing, tracingFromSettings, type Tracing } from '../../src/telemetry/tracing';
import { tracingWorkerOptions, tracingWorkflowInterceptorModules } from '../../src/telemetry/worker';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { startTestStack, type RunningWorker, type TestStack } from '../helpers/stack';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

let stack: TestStack;
let exporter: InMemorySpanExporter;
let tracing: Tracing;
let bundle: WorkflowBundleWithSourceMap;
let worker: RunningWorker;
let client: Client;
const taskQueue = `tracing-${process.pid}`;
let n = 0;

before(async () => {
  stack = await startTestStack({ worker: false });
  exporter = new InMemorySpanExporter();
  tracing = createTracing({ exporter, processor: 'simple', component: 'test' });
  bundle = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: tracingWorkflowInterceptorModules,
    logger: quiet,
  });
  const w = await createAgentWorker({
    connection: stack.env.nativeConnection,
    namespace: stack.namespace,
    taskQueue,
    providers: { mock: { baseURL: stack.mock.url, wire: 'openai' } },
    workspaceDir: stack.workspaceDir,
    knowledgeBaseDir: stack.knowledgeBaseDir,
    workflowBundle: bundle,
    tracing,
  });
  // Model calls run on the provider's task queue, on model workers the plugin runs beside it, traced the same way.
  const running = w.run();
  worker = {
    worker: w,
    get modelWorkers() {
      return agentModelWorkers(w);
    },
    stop: async () => {
      if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
  // The client agentctl uses, given the tracing agentctl builds from OTEL_TRACES_EXPORTER.
  client = await connectClient(
    temporalSettingsFromEnv({ TEMPORAL_ADDRESS: stack.address, TEMPORAL_NAMESPACE: stack.namespace }),
    tracing,
  );
});

after(async () => {
  await worker?.stop();
  await client?.connection.close();
  await tracing?.shutdown();
  await stack?.stop();
});

/** The spans of one trace, once the workflow's own span (exported through the sink at its end) has arrived. */
async function traceOf(workflowType: string, workflowId: string): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const spans = exporter.getFinishedSpans();
    // The sink stamps the workflow's info (workflowId, runId, …) on the spans the sandbox exports.
    const run = spans.find((s) => s.name === `RunWorkflow:${workflowType}` && s.attributes.workflowId === workflowId);
    const start = spans.find((s) => s.name === `StartWorkflow:${workflowType}` && s.spanContext().traceId);
    if (run && start) {
      const traceId = run.spanContext().traceId;
      return spans.filter((s) => s.spanContext().traceId === traceId);
    }
    if (Date.now() > deadline) assert.fail(`no RunWorkflow span for ${workflowId}; spans: ${spans.map((s) => s.name)}`);
    await sleep(100);
  }
}

const byStart = (a: ReadableSpan, b: ReadableSpan): number =>
  a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];

function one(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `exactly one ${name} span; spans: ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as ReadableSpan;
}

describe('tracing', () => {
  it('puts the client start, the workflow, model calls with GenAI attributes and tool calls in one trace', async () => {
    stack.mock.addScenario('trace-agent', {
      turns: [
        { toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }], usage: { input: 120, output: 15 } },
        { toolCalls: [{ name: 'calculator', arguments: { formula: '1 + 1' } }], usage: { input: 150, output: 11 } },
        { text: 'It is 42.', usage: { input: 175, output: 6 } },
      ],
    });
    const workflowId = `trace-agent-${process.pid}-${++n}`;
    const handle = await client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [
        {
          agent: 'tracer',
          instructions: 'Compute.',
          input: 'What is 6 * 7?',
          model: 'mock:trace-agent',
          tools: ['calculator'],
        },
      ],
    });
    const result: AgentResult = await handle.result();
    assert.equal(result.text, 'It is 42.');

    const spans = await traceOf(AGENT_WORKFLOW_TYPE, workflowId);

    // The trace starts at the client: its start span has no parent, and the run hangs under it.
    const start = one(spans, 'StartWorkflow:agentWorkflow');
    assert.equal(start.parentSpanId, undefined);
    const run = one(spans, 'RunWorkflow:agentWorkflow');
    assert.equal(run.parentSpanId, start.spanContext().spanId);
    assert.equal(run.status.code, SpanStatusCode.OK);

    // Each model call is a RunActivity span under the workflow's StartActivity span, with the GenAI attributes
    // and the usage the mock server reported, call by call.
    const modelCalls = spans.filter((s) => s.name === 'RunActivity:callModel').sort(byStart);
    assert.equal(modelCalls.length, 3);
    const expectedUsage = [
      [120, 15],
      [150, 11],
      [175, 6],
    ];
    modelCalls.forEach((span, i) => {
      assert.equal(span.attributes[GenAiAttr.system], 'mock');
      assert.equal(span.attributes[GenAiAttr.operationName], 'chat');
      assert.equal(span.attributes[GenAiAttr.requestModel], 'trace-agent');
      assert.equal(span.attributes[GenAiAttr.responseModel], 'trace-agent');
      assert.equal(span.attributes[DurableAgentsAttr.modelId], 'mock:trace-agent');
      assert.equal(span.attributes[GenAiAttr.usageInputTokens], expectedUsage[i]?.[0]);
      assert.equal(span.attributes[GenAiAttr.usageOutputTokens], expectedUsage[i]?.[1]);
      const scheduled = spans.find((s) => s.spanContext().spanId === span.parentSpanId);
      assert.equal(scheduled?.name, 'StartActivity:callModel');
      assert.equal(scheduled?.parentSpanId, run.spanContext().spanId);
    });
    assert.deepEqual(modelCalls[0]?.attributes[GenAiAttr.responseFinishReasons], ['tool_calls']);
    assert.deepEqual(modelCalls[2]?.attributes[GenAiAttr.responseFinishReasons], ['end_turn']);

    // Tool calls carry the tool's name and how they ended: ok, or the failure type.
    const toolCalls = spans.filter((s) => s.name === 'RunActivity:tool:calculator').sort(byStart);
    assert.equal(toolCalls.length, 2);
    const [ok, bad] = toolCalls as [ReadableSpan, ReadableSpan];
    assert.equal(ok.attributes[GenAiAttr.toolName], 'calculator');
    assert.equal(ok.attributes[GenAiAttr.operationName], 'execute_tool');
    assert.equal(ok.attributes[DurableAgentsAttr.toolOutcome], 'ok');
    assert.equal(ok.status.code, SpanStatusCode.OK);
    assert.equal(bad.attributes[GenAiAttr.toolName], 'calculator');
    assert.equal(bad.attributes[DurableAgentsAttr.toolOutcome], 'ToolArgumentsInvalid');
    assert.equal(bad.attributes[GenAiAttr.errorType], 'ToolArgumentsInvalid');
    assert.equal(bad.status.code, SpanStatusCode.ERROR);
    for (const span of toolCalls) assert.equal(span.attributes.temporalWorkflowId, workflowId);

    // The worker's spans say which service they come from, and workflow spans keep only valid attribute values.
    assert.equal(run.resource.attributes['service.name'], 'durable-agents');
    assert.equal(run.attributes.workflowType, AGENT_WORKFLOW_TYPE);
    assert.equal(run.attributes.searchAttributes, undefined);
    for (const [key, value] of Object.entries(run.attributes)) {
      assert.ok(['string', 'number', 'boolean'].includes(typeof value) || Array.isArray(value), key);
    }
  });

  it('marks a failed model attempt with its failure type, and the retry that succeeded with its usage', async () => {
    stack.mock.addScenario('trace-retry', {
      turns: [
        { text: 'After the limit.', usage: { input: 9, output: 3 }, faults: [{ status: 429, retryAfterSeconds: 1 }] },
      ],
    });
    const workflowId = `trace-retry-${process.pid}-${++n}`;
    const handle = await client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [{ agent: 'tracer', instructions: 'Answer.', input: 'Hi', model: 'mock:trace-retry' }],
    });
    await handle.result();
    const spans = await traceOf(AGENT_WORKFLOW_TYPE, workflowId);
    const attempts = spans.filter((s) => s.name === 'RunActivity:callModel').sort(byStart);
    assert.equal(attempts.length, 2);
    const [limited, answered] = attempts as [ReadableSpan, ReadableSpan];
    assert.equal(limited.attributes[GenAiAttr.errorType], 'RateLimited');
    assert.equal(limited.status.code, SpanStatusCode.ERROR);
    assert.equal(limited.attributes[GenAiAttr.usageInputTokens], undefined);
    assert.equal(answered.attributes[GenAiAttr.errorType], undefined);
    assert.equal(answered.attributes[GenAiAttr.usageInputTokens], 9);
    // Both attempts hang under the one StartActivity span the workflow opened for the call.
    assert.equal(limited.parentSpanId, answered.parentSpanId);
  });

  it('carries the trace into child workflows and their activities', async () => {
    stack.mock.addScenario('trace-graph', {
      cases: [
        { when: { contains: '[writer]' }, turns: [{ text: 'A short note.', usage: { input: 40, output: 4 } }] },
        { when: { contains: '[grader]' }, turns: [{ text: '{"grade": 9}', usage: { input: 30, output: 3 } }] },
      ],
    });
    const workflowId = `trace-graph-${process.pid}-${++n}`;
    const handle = await client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [
        {
          spec: {
            name: 'traced',
            agents: { writer: { instructions: '[writer] Write a note.', model: 'mock:trace-graph' } },
            state: { topic: { type: 'string' }, note: { type: 'string' }, grade: { type: 'number' } },
            entry: 'write',
            nodes: {
              write: { kind: 'agent', agent: 'writer', input: 'Topic: {{topic}}', output: 'note', next: 'grade' },
              grade: {
                kind: 'llm',
                model: 'mock:trace-graph',
                instructions: '[grader] Grade the note.',
                input: '{{note}}',
                outputSchema: { type: 'object', properties: { grade: { type: 'number' } }, required: ['grade'] },
                next: 'done',
              },
              done: { kind: 'end', output: 'note' },
            },
          },
          input: { topic: 'tracing' },
        },
      ],
    });
    const result: GraphResult = await handle.result();
    assert.equal(result.status, 'completed');

    const spans = await traceOf(GRAPH_WORKFLOW_TYPE, workflowId);
    const graphRun = one(spans, 'RunWorkflow:graphWorkflow');
    assert.equal(graphRun.parentSpanId, one(spans, 'StartWorkflow:graphWorkflow').spanContext().spanId);
    const startChild = one(spans, 'StartChildWorkflow:agentWorkflow');
    assert.equal(startChild.parentSpanId, graphRun.spanContext().spanId);
    // The child's run span may arrive a moment after the parent's; it belongs to the same trace.
    const deadline = Date.now() + 10_000;
    let childRun: ReadableSpan | undefined;
    while (!childRun && Date.now() < deadline) {
      childRun = exporter
        .getFinishedSpans()
        .find((s) => s.name === 'RunWorkflow:agentWorkflow' && s.parentSpanId === startChild.spanContext().spanId);
      if (!childRun) await sleep(100);
    }
    assert.ok(childRun, 'the child run span hangs under the parent StartChildWorkflow span');
    assert.equal(childRun.spanContext().traceId, graphRun.spanContext().traceId);

    // The child's model call and the graph's own llm call are both in the trace, with their usage.
    const all = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === graphRun.spanContext().traceId);
    const modelCalls = all.filter((s) => s.name === 'RunActivity:callModel');
    const tokens = modelCalls.map((s) => [s.attributes[GenAiAttr.usageInputTokens], s.attributes.temporalWorkflowId]);
    assert.deepEqual(
      tokens.sort((a, b) => Number(a[0]) - Number(b[0])),
      [
        [30, workflowId],
        [40, childRun.attributes.workflowId],
      ],
    );
  });

  it('replays with the tracing interceptors installed: the saved corpus and a traced run', async () => {
    const historiesDir = path.join(__dirname, '..', 'histories');
    const saved = fs
      .readdirSync(historiesDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({
        workflowId: path.basename(f, '.json'),
        history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, f), 'utf8'))),
      }));
    assert.ok(saved.length >= 4);

    // A fresh traced run, whose history carries the trace headers.
    stack.mock.addScenario('trace-replay', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 2' } }] }, { text: '4' }],
    });
    const workflowId = `trace-replay-${process.pid}-${++n}`;
    const handle = await client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [
        { agent: 'tracer', instructions: 'Add.', input: '2 + 2?', model: 'mock:trace-replay', tools: ['calculator'] },
      ],
    });
    await handle.result();
    const traced = { workflowId, history: await handle.fetchHistory() };
    await traceOf(AGENT_WORKFLOW_TYPE, workflowId);
    const runSpans = () =>
      exporter
        .getFinishedSpans()
        .filter((s) => s.name === 'RunWorkflow:agentWorkflow' && s.attributes.workflowId === workflowId).length;
    assert.equal(runSpans(), 1);

    const { interceptors, sinks } = tracingWorkerOptions(tracing);
    const results = [];
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: bundle, interceptors: { workflowModules: interceptors.workflowModules }, sinks },
      [...saved, traced],
    )) {
      results.push(r);
    }
    assert.equal(results.length, saved.length + 1);
    for (const r of results) assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    // Replaying exports no spans of its own: the span sink is not called while replaying.
    assert.equal(runSpans(), 1);
  });
});

/** Runs bin/agentctl.js with only the given Temporal and OpenTelemetry variables. */
function agentctl(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(childEnv)) if (k.startsWith('TEMPORAL_') || k.startsWith('OTEL_')) delete childEnv[k];
  Object.assign(childEnv, env);
  const bin = path.resolve(__dirname, '../../bin/agentctl.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('agentctl with OTEL_TRACES_EXPORTER', () => {
  it('starts the trace of a run it starts: its span (on stderr) is the parent of the workflow run', async () => {
    stack.mock.addScenario('trace-cli', { turns: [{ text: 'Done.', usage: { input: 12, output: 2 } }] });
    const workflowId = `trace-cli-${process.pid}`;
    const run = await agentctl(
      ['start', 'research-assistant', '--input', 'hello', '--model', 'mock:trace-cli', '--id', workflowId, '--wait'],
      {
        TEMPORAL_ADDRESS: stack.address,
        TEMPORAL_NAMESPACE: stack.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_SERVICE_NAME: 'agentctl-test',
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Done\./);
    assert.doesNotMatch(run.stdout, /traceId/, 'spans stay off stdout');
    const cliSpans = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('{"span"'))
      .map(
        (line) =>
          (JSON.parse(line) as { span: { name: string; traceId: string; spanId: string; service: string } }).span,
      );
    const start = cliSpans.find((s) => s.name === 'StartWorkflow:agentWorkflow');
    assert.ok(start, `a StartWorkflow span on stderr: ${run.stderr}`);
    assert.equal(start.service, 'agentctl-test');

    const spans = await traceOf(AGENT_WORKFLOW_TYPE, workflowId);
    const workflowRun = one(spans, 'RunWorkflow:agentWorkflow');
    assert.equal(workflowRun.spanContext().traceId, start.traceId);
    assert.equal(workflowRun.parentSpanId, start.spanId);
  });
});

describe('the otlp exporter', () => {
  it('posts spans to the collector named by OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const received: { url?: string; type?: string; bytes: number }[] = [];
    const collector = http.createServer((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        received.push({ url: req.url, type: req.headers['content-type'], bytes });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
    try {
      const otlp = tracingFromSettings({ tracesExporter: 'otlp', serviceName: 'otlp-test' }, 'worker');
      assert.ok(otlp);
      otlp.tracer.startSpan('probe').end();
      await otlp.shutdown();
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
    assert.equal(received.length, 1);
    assert.equal(received[0]?.url, '/v1/traces');
    assert.ok((received[0]?.bytes ?? 0) > 0);
  });
});

describe('telemetry settings', () => {
  it('leave tracing and metrics off by default', () => {
    const settings = telemetrySettingsFromEnv({});
    assert.deepEqual(settings, { tracesExporter: 'none', serviceName: 'durable-agents' });
    assert.equal(tracingFromSettings(settings, 'worker'), undefined);
  });

  it('read the exporter, service name and Prometheus address, and refuse bad values by name', () => {
    assert.deepEqual(
      telemetrySettingsFromEnv({
        OTEL_TRACES_EXPORTER: 'OTLP',
        OTEL_SERVICE_NAME: 'agents-prod',
        TEMPORAL_PROMETHEUS_BIND: '0.0.0.0:9464',
      }),
      { tracesExporter: 'otlp', serviceName: 'agents-prod', prometheusBind: '0.0.0.0:9464' },
    );
    assert.throws(() => telemetrySettingsFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' }), /OTEL_TRACES_EXPORTER/);
    assert.throws(() => telemetrySettingsFromEnv({ TEMPORAL_PROMETHEUS_BIND: '9464' }), /TEMPORAL_PROMETHEUS_BIND/);
  });
});
