/**
 * h. Live token delivery. A mock server of its own (recording when it writes each piece of text) streams one
 * answer per run, a piece every PIECE_MS; the bench follows each run as an application would and times every
 * piece from the moment the mock wrote it to the moment the subscriber read it (same process, same clock):
 * - durable-agents through the HTTP API's SSE stream (GET /v1/runs/{id}/events, a real HTTP client), with the
 *   in-process broker (API and worker in one process) and with the PostgreSQL broker (two connections of their
 *   own, as across machines; only where PostgreSQL is installed);
 * - Temporal's `@temporalio/workflow-streams` (a signal per batch into the workflow, an update per poll out), with
 *   its client's `subscribe()`;
 * each with 1 run at a time and 50 at once. Then the history events of one run of each design, with and without
 * streaming, so what streaming adds to a run's history is counted, not claimed.
 */
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowStreamClient } from '@temporalio/workflow-streams/client';
import { createModelAdapters } from '../../../src/activities/models/clients';
import { createAgentClient, type AgentClient } from '../../../src/client';
import { agentSpecSchema } from '../../../src/contracts/agent-spec';
import type { TokenBroker } from '../../../src/streaming/broker';
import { createInProcessTokenBroker } from '../../../src/streaming/in-process';
import { createPostgresTokenBroker } from '../../../src/streaming/postgres';
import { createApiServer } from '../../../src/servers/api/app';
import { hashApiKey } from '../../../src/servers/api/auth';
import { startMockLlmServer, type MockLlmServer } from '../../../src/servers/mock-llm/server';
import { createAgentWorker, workflowsPath } from '../../../src/worker/agent-worker';
import { startPostgres, type PostgresCluster } from '../../../test/helpers/postgres';
import type { BenchEnv } from '../env';
import type { BenchOptions } from '../options';
import { BENCH_INSTRUCTIONS } from '../scenario';
import { median, percentile, round, within } from '../stats';
import { createWorkflowStreamsActivities, TOKENS_TOPIC, type StreamedPiece } from '../workflow-streams/activities';

export interface DeliveryRow {
  design: string;
  concurrency: number;
  /** Pieces timed (those written after the subscriber was connected). */
  pieces: number;
  p50Ms: number;
  p95Ms: number;
  /** Pieces the subscriber never got (it stopped at the run's end), over all runs. */
  missed: number;
}

export interface HistoryRow {
  design: string;
  /** History events of one run: one model call streaming the same answer. */
  events: number;
  /** Over the same design with nothing streamed. */
  extra: number;
  /** Of which WorkflowExecutionSignaled / WorkflowExecutionUpdateAccepted events. */
  signals: number;
  updates: number;
}

export interface TokensResult {
  /** The answer each run streams: this many pieces, one every pieceMs. */
  piecesPerAnswer: number;
  pieceMs: number;
  /** The workflow-streams client's batch interval (its default is 2000 ms). */
  workflowStreamsBatchMs: number;
  delivery: DeliveryRow[];
  history: HistoryRow[];
  /** Why a design was left out (PostgreSQL not installed). */
  skipped: string[];
}

const SCENARIO = 'bench-tokens';
const PIECE_MS = 20;
const WORDS = 60;
/** Before the first piece: long enough that the subscriber is connected when the text starts. */
const FIRST_PIECE_DELAY_MS = 1500;
const BATCH_MS = 100;
const SEQUENTIAL = 5;
const BURST = 50;
const KEY = 'bench-tokens-key-0123456789abcdef';
const TASK_QUEUE = 'bench-tokens';

const answer = Array.from({ length: WORDS }, (_, i) => `word${i + 1}`).join(' ');

const spec = agentSpecSchema.parse({
  name: 'bench-tokens',
  instructions: BENCH_INSTRUCTIONS,
  model: `mock:${SCENARIO}`,
  maxSteps: 2,
});

const nowMs = (): number => performance.timeOrigin + performance.now();

/** A piece as the subscriber read it: where it starts, how long, and when it arrived. */
interface Arrival {
  offset: number;
  length: number;
  atMs: number;
}

/** One run as followed: when the subscriber was connected, and what it read. */
interface Followed {
  input: string;
  connectedAtMs: number;
  arrivals: Arrival[];
}

/** Delay of every piece the mock wrote after the subscriber connected: the first arrival holding its first character. */
function delays(mock: MockLlmServer, runs: Followed[]): { delays: number[]; missed: number } {
  const out: number[] = [];
  let missed = 0;
  for (const run of runs) {
    const entry = mock.requests.find((r) => r.lastUserOrToolContent.includes(run.input) && r.textSentAt);
    if (!entry?.textSentAt) throw new Error(`the mock has no streamed request for "${run.input}"`);
    for (const sent of entry.textSentAt) {
      if (sent.atMs < run.connectedAtMs) continue;
      const got = run.arrivals.find((a) => a.offset <= sent.offset && sent.offset < a.offset + a.length);
      if (got) out.push(got.atMs - sent.atMs);
      else missed++;
    }
  }
  return { delays: out, missed };
}

/** Reads an SSE response, calling `onEvent` with each event's name and data, until `run.ended` or the end. */
async function readSse(response: Response, onEvent: (event: string, data: string) => void): Promise<void> {
  if (!response.body) throw new Error('no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (event) onEvent(event, data);
        if (event === 'run.ended') return;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function deliveryRow(design: string, concurrency: number, mock: MockLlmServer, runs: Followed[]): DeliveryRow {
  const { delays: ms, missed } = delays(mock, runs);
  return {
    design,
    concurrency,
    pieces: ms.length,
    p50Ms: round(median(ms), 1),
    p95Ms: round(percentile(ms, 95), 1),
    missed,
  };
}

/** Runs `count` follows, 1 at a time or all at once. */
async function rounds(concurrency: number, follow: (i: number) => Promise<Followed>): Promise<Followed[]> {
  if (concurrency === 1) {
    const out: Followed[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) out.push(await follow(i));
    return out;
  }
  return Promise.all(Array.from({ length: BURST }, (_, i) => follow(i)));
}

async function historyOf(
  client: Client,
  workflowId: string,
): Promise<{ events: number; signals: number; updates: number }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    events: events.length,
    signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
    updates: events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length,
  };
}

interface AgentSetup {
  design: string;
  api: string;
  agents: AgentClient;
  stop(): Promise<void>;
}

export async function tokensPhase(
  env: BenchEnv,
  _options: BenchOptions,
  log: (line: string) => void,
): Promise<TokensResult> {
  const mock = await startMockLlmServer({ recordTextTimes: true });
  mock.addScenario(SCENARIO, {
    description: 'bench: one streamed answer',
    turns: [{ text: answer, delayMs: FIRST_PIECE_DELAY_MS, chunkDelayMs: PIECE_MS }],
  });
  const connection = await NativeConnection.connect({ address: env.address });
  const bundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  const result: TokensResult = {
    piecesPerAnswer: WORDS,
    pieceMs: PIECE_MS,
    workflowStreamsBatchMs: BATCH_MS,
    delivery: [],
    history: [],
    skipped: [],
  };
  const providers = { mock: { baseURL: mock.url, wire: 'openai' as const } };
  let pg: PostgresCluster | undefined;
  let n = 0;
  const input = (): string => `Write it out. (tokens run ${process.pid}-${++n})`;

  /** A worker and an API sharing `workerTokens`/`apiTokens` (one broker, or two ends of one database). */
  const agentSetup = async (
    design: string,
    taskQueue: string,
    workerTokens?: TokenBroker,
    apiTokens?: TokenBroker,
  ): Promise<AgentSetup> => {
    const worker = await createAgentWorker({
      connection,
      namespace: env.namespace,
      taskQueue,
      providers,
      workspaceDir: env.workspaceDir,
      workflowBundle: bundle,
      ...(workerTokens ? { tokens: workerTokens } : {}),
    });
    const running = worker.run();
    const agents = createAgentClient({ client: env.client, taskQueue, ...(apiTokens ? { tokens: apiTokens } : {}) });
    const app = await createApiServer({
      client: agents,
      keys: [{ name: 'bench', sha256: hashApiKey(KEY), scopes: ['runs:start', 'runs:read'] }],
      limits: { rateLimitMax: 100_000 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      design,
      api: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      agents,
      stop: async () => {
        await app.close();
        worker.shutdown();
        await running;
        await workerTokens?.close();
        if (apiTokens !== workerTokens) await apiTokens?.close();
      },
    };
  };

  /** Starts one agent run and follows its SSE stream until `run.ended`. */
  const followAgent = async (setup: AgentSetup, ids: string[]): Promise<Followed> => {
    const text = input();
    const run = await setup.agents.startAgent(spec, { input: text });
    ids.push(run.workflowId);
    const response = await fetch(`${setup.api}/v1/runs/${run.workflowId}/events`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    if (response.status !== 200) throw new Error(`GET events answered ${response.status}`);
    const followed: Followed = { input: text, connectedAtMs: nowMs(), arrivals: [] };
    await within(
      readSse(response, (event, data) => {
        if (event !== 'token') return;
        const token = JSON.parse(data) as { offset: number; text: string };
        followed.arrivals.push({ offset: token.offset, length: token.text.length, atMs: nowMs() });
      }),
      120_000,
      `the event stream of ${run.workflowId}`,
    );
    return followed;
  };

  const measureAgents = async (setup: AgentSetup): Promise<string[]> => {
    const ids: string[] = [];
    for (const concurrency of [1, BURST]) {
      log(
        `h. tokens: ${setup.design}, ${concurrency === 1 ? `${SEQUENTIAL} runs one at a time` : `${BURST} at once`}...`,
      );
      const runs = await rounds(concurrency, () => followAgent(setup, ids));
      result.delivery.push(deliveryRow(setup.design, concurrency, mock, runs));
    }
    return ids;
  };

  try {
    // durable-agents, in-process broker.
    const inProcess = createInProcessTokenBroker();
    const local = await agentSetup('durable-agents, in-process broker', TASK_QUEUE, inProcess, inProcess);
    let streamedId: string;
    try {
      streamedId = (await measureAgents(local))[0]!;
    } finally {
      await local.stop();
    }

    // durable-agents, PostgreSQL broker: the worker's and the API's ends have connections of their own.
    try {
      pg = await startPostgres();
    } catch (err) {
      result.skipped.push(`PostgreSQL broker: ${(err as Error).message.split('\n')[0]}`);
    }
    if (pg) {
      const shared = await agentSetup(
        'durable-agents, PostgreSQL broker',
        `${TASK_QUEUE}-pg`,
        createPostgresTokenBroker(pg.url),
        createPostgresTokenBroker(pg.url),
      );
      try {
        await measureAgents(shared);
      } finally {
        await shared.stop();
      }
    }

    // durable-agents with no broker: the same run, its text going nowhere.
    const silent = await agentSetup('durable-agents, no broker', `${TASK_QUEUE}-none`);
    let silentId: string;
    try {
      const run = await silent.agents.startAgent(spec, { input: input() });
      await silent.agents.result(run.workflowId);
      silentId = run.workflowId;
    } finally {
      await silent.stop();
    }

    // Temporal's workflow-streams design.
    const streamsQueue = `${TASK_QUEUE}-workflow-streams`;
    const streamsWorker = await Worker.create({
      connection,
      namespace: env.namespace,
      taskQueue: streamsQueue,
      workflowsPath: require.resolve('../workflow-streams/workflows'),
      activities: createWorkflowStreamsActivities(createModelAdapters(providers).mock!),
      maxConcurrentActivityTaskExecutions: 200,
    });
    const streamsRunning = streamsWorker.run();
    const streamIds: string[] = [];
    const startStreams = async (publish: boolean, text: string): Promise<string> => {
      const workflowId = `bench-workflow-streams-${process.pid}-${++n}`;
      await env.client.workflow.start('workflowStreamsModelWorkflow', {
        taskQueue: streamsQueue,
        workflowId,
        args: [{ model: SCENARIO, system: BENCH_INSTRUCTIONS, user: text, publish, batchIntervalMs: BATCH_MS }],
      });
      return workflowId;
    };
    const followStreams = async (): Promise<Followed> => {
      const text = input();
      const workflowId = await startStreams(true, text);
      streamIds.push(workflowId);
      const subscriber = WorkflowStreamClient.create(env.client, workflowId);
      const followed: Followed = { input: text, connectedAtMs: nowMs(), arrivals: [] };
      const reading = (async () => {
        for await (const item of subscriber.topic<StreamedPiece>(TOKENS_TOPIC).subscribe(0)) {
          followed.arrivals.push({ offset: item.data.offset, length: item.data.text.length, atMs: nowMs() });
        }
      })();
      await within(env.client.workflow.getHandle(workflowId).result(), 120_000, `run ${workflowId}`);
      // subscribe() ends by itself once the run has closed; the last batch may still be on its way.
      await within(reading, 30_000, `the subscriber of ${workflowId}`);
      return followed;
    };
    let streamsSilentId: string;
    try {
      for (const concurrency of [1, BURST]) {
        log(
          `h. tokens: workflow-streams, ${concurrency === 1 ? `${SEQUENTIAL} runs one at a time` : `${BURST} at once`}...`,
        );
        const runs = await rounds(concurrency, () => followStreams());
        result.delivery.push(deliveryRow(`workflow-streams, ${BATCH_MS} ms batches`, concurrency, mock, runs));
      }
      streamsSilentId = await startStreams(false, input());
      await env.client.workflow.getHandle(streamsSilentId).result();
    } finally {
      streamsWorker.shutdown();
      await streamsRunning;
    }

    const [streamed, silentRun, streamsStreamed, streamsSilent] = await Promise.all([
      historyOf(env.client, streamedId),
      historyOf(env.client, silentId),
      historyOf(env.client, streamIds[0]!),
      historyOf(env.client, streamsSilentId),
    ]);
    result.history.push(
      {
        design: 'durable-agents, streamed to an SSE subscriber',
        ...streamed,
        extra: streamed.events - silentRun.events,
      },
      { design: 'durable-agents, no broker', ...silentRun, extra: 0 },
      {
        design: `workflow-streams, ${BATCH_MS} ms batches, 1 subscriber`,
        ...streamsStreamed,
        extra: streamsStreamed.events - streamsSilent.events,
      },
      { design: 'workflow-streams, nothing published', ...streamsSilent, extra: 0 },
    );
    return result;
  } finally {
    await connection.close();
    await mock.close();
    await pg?.stop();
  }
}

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`bundler: ${m}\n`),
  error: (m: string) => process.stderr.write(`bundler: ${m}\n`),
};
