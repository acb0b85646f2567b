/**
 * g. The HTTP API's cost. The API runs in this process (createApiServer, default poll and heartbeat settings) on a
 * free 127.0.0.1 port against the bench's dev server, and a real HTTP client (fetch) drives it:
 * - POST /v1/runs until its 202, one at a time and 50 at once, beside the same start through the client API
 *   (AgentClient.startAgent) directly, so the ratio is what HTTP, auth and validation add;
 * - the delay from a run's end to its `run.ended` SSE event reaching the client on GET /v1/runs/{id}/events, from
 *   the workflow's close time (describe()) and from the client API's own result() resolving.
 */
import type { AddressInfo } from 'node:net';
import { createAgentClient, type AgentClient } from '../../../src/client';
import { readServerSentEvents } from '../../../src/client/sse';
import { agentSpecSchema, type AgentSpec } from '../../../src/contracts/agent-spec';
import { createApiServer } from '../../../src/servers/api/app';
import { hashApiKey } from '../../../src/servers/api/auth';
import type { BenchEnv } from '../env';
import type { BenchOptions } from '../options';
import { BENCH_INSTRUCTIONS, benchScenario, benchUserInput } from '../scenario';
import { median, percentile, round, within } from '../stats';

/** p50 / p95 of one measurement, in ms, and how many samples they come from. */
export interface Spread {
  samples: number;
  p50Ms: number;
  p95Ms: number;
}

export interface ApiStartRow {
  concurrency: number;
  http: Spread;
  direct: Spread;
  /** p50 of POST /v1/runs over p50 of AgentClient.startAgent. */
  ratio: number;
}

export interface ApiSseRow {
  concurrency: number;
  /** From the workflow's close time (server clock, same machine) to `run.ended` arriving. */
  afterClose: Spread;
  /** From the client API's result() resolving to `run.ended` arriving (negative: the SSE event came first). */
  afterResult: Spread;
}

export interface ApiResult {
  /** The SSE poll interval the API ran with (its default). */
  pollIntervalMs: number;
  modelDelayMs: number;
  start: ApiStartRow[];
  sse: ApiSseRow[];
}

const TASK_QUEUE = 'bench-api';
const SCENARIO = 'bench-api';
const KEY = 'bench-api-key-0123456789abcdef';
/** The API's default poll interval of followed runs (createApiServer's pollIntervalMs). */
const DEFAULT_POLL_MS = 500;
/** Sequential samples at concurrency 1; at 50 the burst is the sample. */
const SEQUENTIAL = 20;
const BURST = 50;
/** Model latency of the short runs: long enough that the SSE stream is open before the run ends. */
const MODEL_DELAY_MS = 300;

const spread = (values: number[]): Spread => ({
  samples: values.length,
  p50Ms: round(median(values), 1),
  p95Ms: round(percentile(values, 95), 1),
});

/** One model call, no tools: the shortest agent run there is. */
const spec: AgentSpec = agentSpecSchema.parse({
  name: 'bench-api',
  instructions: BENCH_INSTRUCTIONS,
  model: `mock:${SCENARIO}`,
  maxSteps: 2,
});

async function timedMs(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Runs `count` starts `concurrency` at a time (1: one after another; else all at once) and times each. */
async function timeStarts(
  count: number,
  concurrency: number,
  start: (i: number) => Promise<unknown>,
): Promise<number[]> {
  if (concurrency === 1) {
    const ms: number[] = [];
    for (let i = 0; i < count; i++) ms.push(await timedMs(() => start(i)));
    return ms;
  }
  return Promise.all(Array.from({ length: count }, (_, i) => timedMs(() => start(i))));
}

export async function apiPhase(env: BenchEnv, options: BenchOptions, log: (line: string) => void): Promise<ApiResult> {
  env.mock.addScenario(SCENARIO, benchScenario(1, MODEL_DELAY_MS));
  const model = `mock:${SCENARIO}`;
  const worker = await env.startWorker({ taskQueue: TASK_QUEUE, tuning: options.tuning });
  const client: AgentClient = createAgentClient({ client: env.client, taskQueue: TASK_QUEUE });
  const app = await createApiServer({
    client,
    keys: [{ name: 'bench', sha256: hashApiKey(KEY), scopes: ['runs:start', 'runs:read'] }],
    // The bench's own bursts must not meet the per-key rate limit.
    limits: { rateLimitMax: 100_000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const auth = { authorization: `Bearer ${KEY}` };
  let n = 0;
  const input = (): string => benchUserInput(`api-${process.pid}-${++n}`);

  const postRun = async (): Promise<string> => {
    const response = await fetch(`${base}/v1/runs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ spec, input: input(), model }),
    });
    const body = (await response.json()) as { workflowId?: string };
    if (response.status !== 202 || !body.workflowId) {
      throw new Error(`POST /v1/runs answered ${response.status}: ${JSON.stringify(body)}`);
    }
    return body.workflowId;
  };
  const startDirect = async (): Promise<string> =>
    (await client.startAgent(spec, { input: input(), model })).workflowId;

  /** Follows one run's SSE stream until `run.ended`; resolves with the time (epoch ms) it arrived. */
  const endedAt = async (workflowId: string): Promise<number> => {
    const response = await fetch(`${base}/v1/runs/${workflowId}/events`, { headers: auth });
    if (response.status !== 200 || !response.body) throw new Error(`GET events answered ${response.status}`);
    for await (const message of readServerSentEvents(response.body)) {
      if (message.event === 'run.ended') return Date.now();
    }
    throw new Error(`the event stream of ${workflowId} ended without run.ended`);
  };

  const started: string[] = [];
  try {
    const start: ApiStartRow[] = [];
    for (const concurrency of [1, BURST]) {
      const count = concurrency === 1 ? SEQUENTIAL : BURST;
      log(`g. api: ${count} starts ${concurrency === 1 ? 'one at a time' : 'at once'}, HTTP and direct...`);
      // One untimed start each first, so connection set-up and JIT warm-up do not land in the figures.
      started.push(await postRun(), await startDirect());
      const http = await timeStarts(count, concurrency, async () => started.push(await postRun()));
      const direct = await timeStarts(count, concurrency, async () => started.push(await startDirect()));
      start.push({
        concurrency,
        http: spread(http),
        direct: spread(direct),
        ratio: round(median(http) / median(direct), 2),
      });
    }

    const sse: ApiSseRow[] = [];
    for (const concurrency of [1, BURST]) {
      const rounds = concurrency === 1 ? 10 : 1;
      log(`g. api: SSE run.ended delay, ${rounds} x ${concurrency} runs...`);
      const afterClose: number[] = [];
      const afterResult: number[] = [];
      for (let r = 0; r < rounds; r++) {
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            const id = await startDirect();
            started.push(id);
            const [arrived, resolved] = await within(
              Promise.all([endedAt(id), client.result(id).then(() => Date.now())]),
              120_000,
              `run ${id}`,
            );
            const closeTime = (await client.describe(id)).closeTime;
            if (!closeTime) throw new Error(`run ${id} has no close time after run.ended`);
            afterClose.push(arrived - closeTime.getTime());
            afterResult.push(arrived - resolved);
          }),
        );
      }
      sse.push({ concurrency, afterClose: spread(afterClose), afterResult: spread(afterResult) });
    }
    // Every started run must end before the worker stops, so none is left running on the dev server.
    await within(Promise.all(started.map((id) => client.result(id))), 120_000, 'the started runs');
    return { pollIntervalMs: DEFAULT_POLL_MS, modelDelayMs: MODEL_DELAY_MS, start, sse };
  } finally {
    await app.close();
    await worker.stop();
  }
}
