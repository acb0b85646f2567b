/**
 * `npm run demo [-- --question TEXT]`: one durable agent run, end to end, on this machine. Starts (or reuses) the
 * Temporal dev server, a worker and, when no API key is set, the mock LLM server; runs the research assistant on
 * the question; prints the answer, its steps, tokens and cost and the Web UI link; then stops what it started.
 */
import { parseArgs } from 'node:util';
import { Connection, Client } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, type AgentResult } from '../src/contracts/agent-contract';
import { agentInputFor, shippedAgentSpec } from '../src/agents';
import { exampleInputOf } from '../src/contracts/agent-spec';
import { agentNameKey } from '../src/contracts/search-attributes';
import { connectionOptions } from '../src/config/connection';
import { UserError } from '../src/contracts/errors';
import { encryptedDataConverter } from '../src/security/data-converter';
import { startLocalStack } from './local-stack';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

const USAGE = `Usage: npm run demo [-- [--question TEXT | TEXT]]

Starts the Temporal dev server (or reuses one on TEMPORAL_PORT), a worker and, with no OPENAI_API_KEY or
ANTHROPIC_API_KEY, the shipped mock LLM server; runs the research-assistant agent once on the question;
prints the answer, its steps, tokens, cost and the Web UI link; then stops what it started.

Offline, the model is a script (src/servers/mock-llm/scenarios/research-assistant.yaml): keywords in the
question pick its answer (a worker crash, retries and rate limits, human approval, cost and budgets, tools).

Options:
  --question TEXT   the question (default: "${exampleInputOf(shippedAgentSpec('research-assistant'))}")
  -h, --help        show this help

Environment: TEMPORAL_PORT, TEMPORAL_UI_PORT, TEMPORAL_DB_FILE (the dev server), TEMPORAL_ADDRESS (use a running
server instead), OPENAI_API_KEY / ANTHROPIC_API_KEY (a real model), LOG_LEVEL. More: docs/configuration.md`;

/** The question to ask, or undefined when --help was given. */
function questionFromArgs(args: string[]): string | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { question: { type: 'string', short: 'q' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (parsed.values.help) return undefined;
  if (parsed.values.question !== undefined && parsed.positionals.length > 0) {
    throw new UserError('give the question once: --question TEXT or TEXT, not both');
  }
  const question = (parsed.values.question ?? parsed.positionals.join(' ')).trim();
  return question || exampleInputOf(shippedAgentSpec('research-assistant'));
}

async function main(): Promise<void> {
  const question = questionFromArgs(process.argv.slice(2));
  if (question === undefined) {
    say(USAGE);
    return;
  }
  const stack = await startLocalStack({ taskQueue: 'durable-agents-demo', logLevel: process.env.LOG_LEVEL ?? 'warn' });
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
    const handle = await client.workflow.start(AGENT_WORKFLOW_TYPE, {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [agentInputFor(spec, question, model)],
      staticSummary: `${spec.name}: ${question}`,
      typedSearchAttributes: [{ key: agentNameKey, value: spec.name }],
    });
    say();
    say(`Started ${spec.name} (${model}) as workflow ${workflowId}`);
    say(`Question: ${question}`);
    if (stack.offline) {
      say(
        `Offline: the model is a script (mock:${spec.mockScenario}, src/servers/mock-llm/scenarios/${spec.mockScenario}.yaml) ` +
          'that picks its answer by keywords in the question; the tool calls it makes run for real. ' +
          'Set OPENAI_API_KEY or ANTHROPIC_API_KEY for a model that reads the question.',
      );
    }
    const link = `${temporal.webUiUrl}/namespaces/${temporal.namespace}/workflows/${workflowId}`;
    const result: AgentResult = await handle.result();
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
    await stack.stop();
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 70 ? `${flat.slice(0, 69)}…` : flat;
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${(err as Error).message}\n`);
  // Exit now: the Temporal runtime, once started, keeps the process alive even after everything was stopped.
  process.exit(1);
});
