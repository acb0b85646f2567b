/**
 * `npm run demo`: one durable agent run, end to end, on this machine. Starts (or reuses) the Temporal dev
 * server, a worker and, when no API key is set, the mock LLM server; runs the research assistant; prints the
 * answer, its steps, tokens and cost and the Web UI link; then stops what it started.
 */
import { Connection, Client } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, type AgentResult } from '../src/contracts/agent-contract';
import { agentInputFor, shippedAgentSpec } from '../src/agents';
import { exampleInputOf } from '../src/contracts/agent-spec';
import { agentNameKey } from '../src/contracts/search-attributes';
import { connectionOptions } from '../src/config/connection';
import { encryptedDataConverter } from '../src/security/data-converter';
import { startLocalStack } from './local-stack';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
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
    const question = exampleInputOf(spec);
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
  process.exitCode = 1;
});
