/**
 * Records the event histories of representative agent runs into test/histories/, the corpus the replay test
 * runs in CI. Run it only when adding a history: the corpus is immutable, so an old history that stops
 * replaying means a workflow change needs `patched()`, not a new recording.
 *
 *   npx tsx scripts/record-histories.ts [name ...]
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { AGENT_WORKFLOW_TYPE, approveSignal, stateQuery, type AgentInput } from '../src/common/agent-contract';
import { agentInputFor, fileClerk, researchAssistant } from '../src/agents';
import { startTestStack, type TestStack } from '../test/helpers/stack';
import { resolveTemporalCli } from './temporal-cli';

const historiesDir = path.resolve(__dirname, '..', 'test', 'histories');

interface Recording {
  name: string;
  description: string;
  input: AgentInput;
  /** Drives the run while it is going (signals); returns when the run can finish on its own. */
  drive?: (stack: TestStack, workflowId: string) => Promise<void>;
}

const recordings: Recording[] = [
  {
    name: 'research-assistant-described-tools',
    description:
      'research-assistant after tool discovery became the describeTools activity (patch describe-tools-activity)',
    input: agentInputFor(researchAssistant, researchAssistant.exampleInput, 'mock:research-assistant'),
  },
  {
    name: 'research-assistant-by-reference',
    description:
      'research-assistant after model calls began to pass the conversation by reference (patch conversation-by-reference)',
    input: agentInputFor(researchAssistant, researchAssistant.exampleInput, 'mock:research-assistant'),
  },
  {
    name: 'summarize-after-context-length',
    description:
      'context strategy summarize: the provider refuses a request as too long, a summary is written, the call is retried',
    input: {
      agent: 'adder',
      instructions: 'You add numbers.',
      input: 'Add 1 + 1, 2 + 2 and 3 + 3.',
      model: 'mock:context-length-summarize',
      tools: ['calculator'],
      context: { strategy: 'summarize' },
    },
  },
  {
    name: 'research-assistant',
    description: 'the shipped research-assistant agent: two tool turns, one of them with two parallel tool calls',
    input: agentInputFor(researchAssistant, researchAssistant.exampleInput, 'mock:research-assistant'),
  },
  {
    name: 'file-clerk-approved',
    description: 'the shipped file-clerk agent: write_file waits for approval, approved by signal',
    input: agentInputFor(fileClerk, fileClerk.exampleInput, 'mock:file-clerk'),
    drive: async (stack, workflowId) => {
      const handle = stack.client.workflow.getHandle(workflowId);
      for (;;) {
        const state = await handle.query(stateQuery);
        if (state.pendingApprovals.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.signal(approveSignal, { by: 'recorder', comment: 'recorded approval' });
    },
  },
  {
    name: 'file-clerk-approval-verified',
    description:
      'file-clerk with named approvers after decisions became checked by the verifyApprovalDecision activity (patch approval-verification)',
    input: { ...agentInputFor(fileClerk, fileClerk.exampleInput, 'mock:file-clerk'), approvers: ['recorder'] },
    drive: async (stack, workflowId) => {
      const handle = stack.client.workflow.getHandle(workflowId);
      for (;;) {
        const state = await handle.query(stateQuery);
        if (state.pendingApprovals.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.signal(approveSignal, { by: 'recorder', comment: 'recorded approval' });
    },
  },
  {
    name: 'rate-limited',
    description: 'a model call that gets a 429 with retry-after and succeeds on the second attempt',
    input: { agent: 'tester', instructions: 'test', input: 'hi', model: 'mock:rate-limited' },
  },
  {
    name: 'malformed-tool-args',
    description: 'malformed tool arguments fed back to the model, which corrects itself',
    input: {
      agent: 'tester',
      instructions: 'test',
      input: 'hi',
      model: 'mock:malformed-tool-args',
      tools: ['calculator'],
    },
  },
  {
    name: 'research-assistant-budget-fallback',
    description:
      'research-assistant with a budget and a fallback model, after model calls moved to provider task queues (patch model-provider-task-queue)',
    input: {
      ...agentInputFor(researchAssistant, researchAssistant.exampleInput, 'mock:research-assistant'),
      budget: { maxTokens: 100_000, maxSteps: 10, maxToolCalls: 10, softThreshold: 0.01 },
      fallbackModels: ['openai:gpt-4o-mini'],
    },
  },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const cli = await resolveTemporalCli({ allowInstall: true });
  const stack = await startTestStack();
  try {
    // The corpus is immutable: without names, only recordings that have no file yet are made.
    const missing = (r: Recording) => !fs.existsSync(path.join(historiesDir, `${r.name}.json`));
    for (const r of recordings.filter((r) => (wanted.length === 0 ? missing(r) : wanted.includes(r.name)))) {
      const workflowId = `history-${r.name}`;
      const handle = await stack.client.workflow.start(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [r.input],
      });
      await r.drive?.(stack, workflowId);
      await handle.result();
      const file = path.join(historiesDir, `${r.name}.json`);
      // The stock CLI's JSON is the canonical history format; historyFromJSON reads it back.
      const json = execFileSync(cli.path, [
        'workflow',
        'show',
        '--address',
        stack.address,
        '--workflow-id',
        workflowId,
        '--output',
        'json',
      ]);
      fs.writeFileSync(file, json);
      process.stdout.write(`recorded ${path.relative(process.cwd(), file)}: ${r.description}\n`);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`record-histories: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
