/**
 * A real Temporal stack for workflow tests: the pinned Temporal CLI dev server (through the SDK's
 * TestWorkflowEnvironment), the shipped mock LLM server on a free port, and agent workers built exactly
 * like `npm run worker` builds them.
 */
import fs from 'node:fs';
import { after, before } from 'node:test';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLocalEnvironment } from '../../src/testing/local-environment';
import { bundleWorkflowCode, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { missingWorkers } from '../../src/client/pollers';
import {
  agentModelWorkers,
  createAgentWorker,
  workflowsPath,
  type AgentWorkerOptions,
} from '../../src/worker/agent-worker';
import type { ProviderSettings } from '../../src/activities/models/settings';
import type { Provider } from '../../src/contracts/model-id';
import type { ModelPrice } from '../../src/contracts/pricing';
import type { DefinedTool } from '../../src/activities/tools/define-tool';
import { agentSearchAttributeKeys } from '../../src/contracts/search-attributes';
import { createLogger, installTemporalLogging } from '../../src/telemetry/logging';
import { startMockLlmServer, type MockLlmServer } from '../../src/servers/mock-llm/server';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { encryptedDataConverter, encryptedFailureConverterPath } from '../../src/security/data-converter';
import type { PayloadKeyring } from '../../src/security/payload-codec';

export interface RunningWorker {
  worker: Worker;
  /** The workers of the per-provider model task queues running beside it (once it runs). */
  modelWorkers: Worker[];
  /** Resolves when the worker has fully stopped. */
  stop(): Promise<void>;
}

export interface TestStack {
  env: TestWorkflowEnvironment;
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  mock: MockLlmServer;
  workspaceDir: string;
  knowledgeBaseDir: string;
  /** Folder of the default file conversation store. */
  conversationDir: string;
  /** Starts another worker; `taskQueue` gives it a queue of its own, so stopping it leaves the others alone. */
  startWorker(options?: {
    shutdownGraceTime?: string;
    identity?: string;
    taskQueue?: string;
    mockWire?: 'openai' | 'anthropic';
    /** More createAgentWorker options for this worker (an MCP pool, tool settings). */
    extra?: ExtraWorkerOptions;
    /** Providers instead of the mock one (e.g. openai and anthropic both pointed at the mock server). */
    providers?: ProviderSettings;
    rateLimits?: Partial<Record<Provider, number>>;
    prices?: Record<string, ModelPrice>;
    /** The worker's AGENT_ALLOW_UNPRICED_MODELS, on agent and model workers alike. */
    allowUnpricedModels?: boolean;
    /** A workflow bundle of its own instead of the shared one (e.g. one built for webhook subscriptions). */
    workflowBundle?: WorkflowBundleWithSourceMap;
  }): Promise<RunningWorker>;
  stop(): Promise<void>;
}

/** createAgentWorker options a test may add; the stack sets connection, queue, providers and folders. */
export type ExtraWorkerOptions = Partial<
  Omit<AgentWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'providers' | 'workflowBundle'>
>;

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let encryptedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Bundling takes seconds; one bundle serves every worker a test file starts (and replay tests). Encrypted stacks get one built
 * with the failure converter that moves messages and stack traces into encrypted attributes.
 */
export function workflowBundle(encrypted = false): Promise<WorkflowBundleWithSourceMap> {
  if (encrypted) {
    encryptedBundle ??= bundleWorkflowCode({
      workflowsPath,
      failureConverterPath: encryptedFailureConverterPath,
      logger: quietBundlerLogger,
    });
    return encryptedBundle;
  }
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`bundler: ${m}\n`),
  error: (m: string) => process.stderr.write(`bundler: ${m}\n`),
};

let taskQueueCounter = 0;

/** Every structured log line the worker wrote, parsed; tests assert on what the logs carry. */
export const capturedLogs: Record<string, unknown>[] = [];

/** A run's captured log lines, polled until `until` holds: workflow and activity lines reach the logger a moment
 * after the run's result reaches the client. */
export async function logsOf(
  workflowId: string,
  until: (lines: Record<string, unknown>[]) => boolean,
): Promise<Record<string, unknown>[]> {
  for (let i = 0; i < 50; i++) {
    const lines = capturedLogs.filter((l) => l.workflowId === workflowId);
    if (until(lines)) return lines;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return capturedLogs.filter((l) => l.workflowId === workflowId);
}

/**
 * Keeps every line in memory and passes warnings and errors on to stderr (or all lines when TEST_LOG_LEVEL
 * asks), so a passing test prints nothing to stdout.
 */
const logSink = {
  write(line: string): void {
    const entry = JSON.parse(line) as Record<string, unknown>;
    capturedLogs.push(entry);
    if ((entry.level as number) >= (process.env.TEST_LOG_LEVEL === 'info' ? 30 : 40)) process.stderr.write(line);
  },
};

export interface TestStackOptions {
  /** Start one worker right away (default true). */
  worker?: boolean;
  mockWire?: 'openai' | 'anthropic';
  /** Extra tools, made with defineTool, registered on every worker of the stack. */
  tools?: DefinedTool[];
  /** More createAgentWorker options for every worker of the stack. */
  extra?: ExtraWorkerOptions;
  /** The conversation store of every worker; a file store in a temporary folder by default. */
  conversationStore?: AgentWorkerOptions['conversationStore'];
  /** Keep the dev server's state in this SQLite file (default: in memory). */
  dbFilename?: string;
  /** Encrypt every payload (client and workers) with these keys, as AGENT_PAYLOAD_KEYS does. */
  payloadKeys?: PayloadKeyring;
  /** AGENT_APPROVAL_SECRET for the workers: approval decisions must be signed. */
  approvalSecret?: string;
  /** Model providers of the workers (default: only the stack's mock LLM server). */
  providers?: (mockUrl: string) => ProviderSettings;
  /** More `temporal server start-dev` arguments (for example `--dynamic-config-value`). */
  serverArgs?: string[];
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  installTemporalLogging(createLogger('info', logSink));
  const cli = await resolveTemporalCli({ allowInstall: true, log: (line) => process.stderr.write(`${line}\n`) });
  const dataConverter = encryptedDataConverter(options.payloadKeys);
  const env = await createLocalEnvironment({
    server: {
      ...(cli.source === 'sdk-download' ? {} : { executable: { type: 'existing-path', path: cli.path } }),
      ip: '127.0.0.1',
      searchAttributes: agentSearchAttributeKeys,
      extraArgs: ['--log-level', 'error', ...(options.serverArgs ?? [])],
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
    },
    ...(dataConverter ? { client: { dataConverter } } : {}),
  });
  const mock = await startMockLlmServer({ host: '127.0.0.1', port: 0 });
  const workspaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-workspace-'));
  const conversationDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-conversations-'));
  const conversationStore = options.conversationStore ?? { kind: 'file' as const, dir: conversationDir };
  const knowledgeBaseDir = path.resolve(__dirname, '../../src/agents/knowledge-base');
  const taskQueue = `test-${process.pid}-${++taskQueueCounter}`;
  const workers: RunningWorker[] = [];

  const startWorker: TestStack['startWorker'] = async (workerOptions = {}) => {
    const providers: ProviderSettings = workerOptions.providers ??
      options.providers?.(mock.url) ?? {
        mock: { baseURL: mock.url, wire: workerOptions.mockWire ?? options.mockWire ?? 'openai' },
      };
    const worker = await createAgentWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: workerOptions.taskQueue ?? taskQueue,
      providers,
      workspaceDir,
      knowledgeBaseDir,
      workflowBundle: workerOptions.workflowBundle ?? (await workflowBundle(Boolean(dataConverter))),
      ...(dataConverter ? { dataConverter } : {}),
      ...(options.approvalSecret ? { approvalSecret: options.approvalSecret } : {}),
      ...(options.tools ? { tools: options.tools } : {}),
      conversationStore,
      ...(workerOptions.shutdownGraceTime ? { shutdownGraceTime: workerOptions.shutdownGraceTime } : {}),
      ...(workerOptions.identity ? { identity: workerOptions.identity } : {}),
      ...options.extra,
      ...workerOptions.extra,
      ...(workerOptions.prices ? { prices: workerOptions.prices } : {}),
      ...(workerOptions.rateLimits ? { rateLimits: workerOptions.rateLimits } : {}),
      ...(workerOptions.allowUnpricedModels ? { allowUnpricedModels: true } : {}),
    });
    // run() also runs the workers of `<taskQueue>-model-<provider>`, where model calls go (as `npm run worker`).
    const running = worker.run();
    const handle: RunningWorker = {
      worker,
      get modelWorkers() {
        return agentModelWorkers(worker);
      },
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
    workers.push(handle);
    // The server learns of a worker from its first poll; tests that start runs at once must not see "no worker".
    await waitForPollers(env.client, workerOptions.taskQueue ?? taskQueue, Object.keys(providers));
    return handle;
  };

  if (options.worker !== false) await startWorker();

  return {
    env,
    client: env.client,
    address: env.address,
    namespace: env.namespace ?? 'default',
    taskQueue,
    mock,
    workspaceDir,
    knowledgeBaseDir,
    conversationDir,
    startWorker,
    stop: async () => {
      await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
      await mock.close();
      await env.teardown();
      fs.rmSync(workspaceDir, { recursive: true, force: true });
      fs.rmSync(conversationDir, { recursive: true, force: true });
    },
  };
}

/**
 * The one before/after block of workflow tests: starts a stack before the file's tests (then runs `setup`, for
 * extra workers), stops it after them, and hands back the stack. The returned object forwards to the running
 * stack, so tests write `stack.client` as if they had started it themselves.
 */
export function useTestStack(options: TestStackOptions = {}, setup?: (stack: TestStack) => Promise<void>): TestStack {
  let running: TestStack | undefined;
  before(async () => {
    running = await startTestStack(options);
    await setup?.(running);
  });
  after(async () => {
    await running?.stop();
  });
  return new Proxy({} as TestStack, {
    get(_target, property) {
      if (!running) throw new Error(`the test stack is used before it started (reading ${String(property)})`);
      return running[property as keyof TestStack];
    },
  });
}

/** Waits (up to 20 s) until the server lists pollers on the workflow queue and on each provider's model queue. */
async function waitForPollers(client: Client, taskQueue: string, providers: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await missingWorkers(client, taskQueue, providers)).length > 0) {
    if (Date.now() > deadline) throw new Error(`the workers of task queue ${taskQueue} never polled`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
