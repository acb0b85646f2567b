/**
 * `npm run demo [-- --question TEXT]`: one durable agent run, end to end, on this machine. Starts (or reuses) the
 * Temporal dev server, a worker and, when no API key is set, the mock LLM server; runs the research assistant on
 * the question; prints the answer, its steps, tokens and cost and the Web UI link; then stops what it started.
 * With --api the run goes through the HTTP API instead: started with POST /v1/runs and followed on its SSE stream.
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { Connection, Client } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, type AgentResult } from '../src/contracts/agent-contract';
import { agentInputFor, shippedAgentSpec } from '../src/agents';
import { exampleInputOf } from '../src/contracts/agent-spec';
import { agentNameKey } from '../src/contracts/search-attributes';
import { connectionOptions } from '../src/config/connection';
import { UserError } from '../src/contracts/errors';
import { encryptedDataConverter } from '../src/security/data-converter';
import { z } from 'zod';
import { hashApiKey } from '../src/servers/api/auth';
import { readServerSentEvents } from '../src/client/sse';
import { startApiServer, type RunningApi } from './api-server';
import { startLocalStack } from './local-stack';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

const USAGE = `Usage: npm run demo [-- [--api] [--question TEXT | TEXT]]

Starts the Temporal dev server (or reuses one on TEMPORAL_PORT), a worker and, with no OPENAI_API_KEY or
ANTHROPIC_API_KEY, the shipped mock LLM server; runs the research-assistant agent once on the question;
prints the answer, its steps, tokens, cost and the Web UI link; then stops what it started.

Offline, the model is a script (src/servers/mock-llm/scenarios/research-assistant.yaml): keywords in the
question pick its answer (a worker crash, retries and rate limits, human approval, cost and budgets, tools).

Options:
  --question TEXT   the question (default: "${exampleInputOf(shippedAgentSpec('research-assistant'))}")
  --api             also serve the HTTP API (AGENT_API_HOST/PORT, keys from AGENT_API_KEYS...) and run the agent
                    through it: POST /v1/runs, then its events as they arrive on GET /v1/runs/{id}/events
  -h, --help        show this help

Environment: TEMPORAL_PORT, TEMPORAL_UI_PORT, TEMPORAL_DB_FILE (the dev server), TEMPORAL_ADDRESS (use a running
server instead), OPENAI_API_KEY / ANTHROPIC_API_KEY (a real model), LOG_LEVEL. More: docs/configuration.md`;

interface DemoArgs {
  question: string;
  api: boolean;
}

/** The question to ask and how, or undefined when --help was given. */
function demoArgs(args: string[]): DemoArgs | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        question: { type: 'string', short: 'q' },
        api: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (parsed.values.help) return undefined;
  if (parsed.values.question !== undefined && parsed.positionals.length > 0) {
    throw new UserError('give the question once: --question TEXT or TEXT, not both');
  }
  const question = (parsed.values.question ?? parsed.positionals.join(' ')).trim();
  return {
    question: question || exampleInputOf(shippedAgentSpec('research-assistant')),
    api: parsed.values.api ?? false,
  };
}

async function main(): Promise<void> {
  const args = demoArgs(process.argv.slice(2));
  if (args === undefined) {
    say(USAGE);
    return;
  }
  const { question } = args;
  const stack = await startLocalStack({ taskQueue: 'durable-agents-demo', logLevel: process.env.LOG_LEVEL ?? 'warn' });
  let api: RunningApi | undefined;
  try {
    const { temporal } = stack.config;
    const connection = await Connection.connect(connectionOptions(temporal));
    const dataConverter = encryptedDataConverter(temporal.payloadKeys);
    const client = new Client({
      connection,
      namespace: temporal.namespace,
      ...(dataConverter ? { dataConverter } : {}),
    });
    const spec = shippedAgentSpec('research-assistant');
    const model = stack.offline
      ? `mock:${spec.mockScenario}`
      : stack.providers.openai
        ? spec.model
        : 'anthropic:claude-haiku-4-5';
    const workflowId = `demo-${spec.name}-${Date.now().toString(36)}`;
    const link = `${temporal.webUiUrl}/namespaces/${temporal.namespace}/workflows/${workflowId}`;
    let result: AgentResult;
    if (args.api) {
      // A key of the demo's own, in memory only, so --api works with no key configured; curl uses one of yours.
      const key = crypto.randomBytes(24).toString('hex');
      api = await startApiServer(stack.config, process.env, {
        tokens: stack.tokens,
        extraKeys: [{ name: 'demo', sha256: hashApiKey(key), scopes: ['runs:start', 'runs:read'] }],
      });
      say(`  follow it yourself: curl -N ${api.url}/v1/runs/${workflowId}/events -H "authorization: Bearer $KEY"`);
      say(`  ($KEY: a key of AGENT_API_KEYS or AGENT_API_KEYS_FILE; see docs/api.md)`);
      say();
      say(`Started ${spec.name} (${model}) as workflow ${workflowId} through POST ${api.url}/v1/runs`);
      say(`Question: ${question}`);
      if (stack.offline) say(offlineNote(spec.mockScenario));
      result = await runThroughApi(api.url, key, { agent: spec.name, model, input: question, id: workflowId });
    } else {
      const handle = await client.workflow.start(AGENT_WORKFLOW_TYPE, {
        taskQueue: temporal.taskQueue,
        workflowId,
        args: [agentInputFor(spec, question, model)],
        staticSummary: `${spec.name}: ${question}`,
        typedSearchAttributes: [{ key: agentNameKey, value: spec.name }],
      });
      say();
      say(`Started ${spec.name} (${model}) as workflow ${handle.workflowId}`);
      say(`Question: ${question}`);
      if (stack.offline) say(offlineNote(spec.mockScenario));
      result = await handle.result();
    }
    say();
    say('Answer:');
    say(`  ${result.text.split('\n').join('\n  ')}`);
    say();
    say('Steps:');
    for (const s of result.steps) {
      const usage = s.usage ? ` (${s.usage.inputTokens} in / ${s.usage.outputTokens} out)` : '';
      say(
        `  ${String(s.step).padStart(2)}  ${s.kind.padEnd(5)} ${s.name.padEnd(24)} ${s.status.padEnd(6)} ${oneLine(s.summary)}${usage}`,
      );
    }
    say();
    say(`Model calls: ${result.modelCalls}   tool calls: ${result.toolCalls}`);
    say(
      `Tokens: ${result.usage.inputTokens} in, ${result.usage.outputTokens} out   cost: $${result.cost.totalUsd.toFixed(6)}`,
    );
    say(`Web UI: ${link}`);
    await connection.close();
  } finally {
    await api?.stop();
    await stack.stop();
  }
}

function offlineNote(scenario: string | undefined): string {
  return (
    `Offline: the model is a script (mock:${scenario}, src/servers/mock-llm/scenarios/${scenario}.yaml) ` +
    'that picks its answer by keywords in the question; the tool calls it makes run for real. ' +
    'Set OPENAI_API_KEY or ANTHROPIC_API_KEY for a model that reads the question.'
  );
}

const sseEventSchema = z.object({ type: z.string() }).passthrough();
const endedSchema = z.object({
  outcome: z.object({ outcome: z.string(), result: z.unknown().optional() }).passthrough(),
});

/** Starts the run with POST /v1/runs and prints its SSE events as they arrive; resolves to the run's result. */
async function runThroughApi(
  url: string,
  key: string,
  body: { agent: string; model: string; input: string; id: string },
): Promise<AgentResult> {
  const auth = { authorization: `Bearer ${key}` };
  const started = await fetch(`${url}/v1/runs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (started.status !== 202) throw new Error(`POST /v1/runs answered ${started.status}: ${await started.text()}`);
  const stream = await fetch(`${url}/v1/runs/${encodeURIComponent(body.id)}/events`, { headers: auth });
  if (stream.status !== 200 || !stream.body)
    throw new Error(`GET /v1/runs/${body.id}/events answered ${stream.status}`);
  say();
  say('Events (SSE):');
  let writing = false;
  for await (const message of readServerSentEvents(stream.body)) {
    const event = sseEventSchema.parse(JSON.parse(message.data));
    if (message.event === 'token') {
      if (!writing) process.stdout.write('  token      ');
      writing = true;
      process.stdout.write(String(event.text ?? ''));
      continue;
    }
    if (writing) say();
    writing = false;
    if (message.event.startsWith('token')) continue;
    say(`  ${message.event.padEnd(17)} ${oneLine(describeEvent(event))}`);
    if (message.event === 'run.ended') {
      const { outcome } = endedSchema.parse(event);
      if (outcome.outcome !== 'completed' || outcome.result === undefined) {
        throw new Error(`the run ended ${outcome.outcome}: ${JSON.stringify(outcome)}`);
      }
      return outcome.result as AgentResult;
    }
  }
  throw new Error('the event stream ended before run.ended');
}

function describeEvent(event: Record<string, unknown>): string {
  const { type: _type, id: _id, workflowId: _workflowId, outcome, ...rest } = event;
  if (outcome && typeof outcome === 'object') return String((outcome as { outcome?: unknown }).outcome);
  return Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

/** The `event:` and `data:` of each Server-Sent Event of a response body. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 70 ? `${flat.slice(0, 69)}…` : flat;
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${(err as Error).message}\n`);
  // Exit now: the Temporal runtime, once started, keeps the process alive even after everything was stopped.
  process.exit(1);
});
