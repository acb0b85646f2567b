/**
 * Records the event histories of representative runs into test/histories/, the corpus the replay test runs in
 * CI. Run it only when adding a history: the corpus is immutable, so an old history that stops replaying means a
 * workflow change needs `patched()`, not a new recording. Existing files are never overwritten.
 *
 *   npm run record-histories [-- name ...]
 *
 * Without names it records every recording whose file does not exist yet. `shipped/` holds one run of every
 * shipped agent, graph and code-first workflow (graphs with the histories of their child runs), with
 * `shipped/manifest.json` naming the workflow id each file was recorded under (replay needs it: child workflow
 * ids derive from it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, approveSignal, type AgentInput } from '../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, type GraphInput } from '../src/contracts/graph-contract';
import { agentInputFor, shippedAgentSpec, shippedAgentSpecs } from '../src/agents';
import { exampleInputOf } from '../src/contracts/agent-spec';
import { loadGraphSpec, shippedGraphs } from '../src/agents/graphs';
import { startTestStack, type TestStack } from '../test/helpers/stack';
import { resolveTemporalCli } from './temporal-cli';

const historiesDir = path.resolve(__dirname, '..', 'test', 'histories');
const researchAssistant = shippedAgentSpec('research-assistant');
const fileClerk = shippedAgentSpec('file-clerk');

interface Recording {
  name: string;
  /** Sub-folder of test/histories ('' for the original corpus). */
  folder: '' | 'shipped';
  description: string;
  workflowType: string;
  args: unknown[];
  /** Drives the run while it is going (signals); returns when the run can finish on its own. */
  drive?: (stack: TestStack, handle: WorkflowHandle) => Promise<void>;
  /** Also record the child runs (graphs run each agent as a child agentWorkflow). */
  withChildren?: boolean;
  /** Which run of a chain that continued as new to save: the latest (the default) or the first. */
  run?: 'first' | 'latest';
}

const continuedInput: AgentInput = {
  agent: 'adder',
  instructions: 'You add numbers.',
  input: 'Add 2 + 3, then multiply 5 * 7.',
  model: 'mock:two-tool-calls',
  tools: ['calculator'],
  continueAsNewAfterSteps: 1,
};

/** Approves the oldest pending approval as soon as the run's `state` query shows one. */
async function approveWhenAsked(_stack: TestStack, handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const state = (await handle.query('state')) as { pendingApprovals: unknown[] };
    if (state.pendingApprovals.length) {
      await handle.signal(approveSignal, { by: 'recorder', comment: 'recorded approval' });
      return;
    }
    await sleep(100);
  }
  throw new Error(`${handle.workflowId}: no approval was requested`);
}

const agent = (input: AgentInput): unknown[] => [input];
const graph = (name: string): unknown[] => [{ spec: loadGraphSpec(name), input: {} } satisfies GraphInput];
/** Graphs that wait for a person on their way. */
const gatedGraphs = new Set(['sales-follow-up', 'group-chat-selector']);

const recordings: Recording[] = [
  {
    name: 'continued-as-new-first-run',
    folder: '',
    description:
      'continueAsNewAfterSteps 1 on scenario two-tool-calls: the first of three runs, ending in ContinuedAsNew',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent(continuedInput),
    run: 'first',
  },
  {
    name: 'continued-as-new-last-run',
    folder: '',
    description: 'the same chain: the last run, started from a carryOver with a conversation reference',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent(continuedInput),
  },
  {
    name: 'research-assistant-described-tools',
    folder: '',
    description:
      'research-assistant after tool discovery became the describeTools activity (patch describe-tools-activity)',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent(agentInputFor(researchAssistant, exampleInputOf(researchAssistant), 'mock:research-assistant')),
  },
  {
    name: 'research-assistant-by-reference',
    folder: '',
    description:
      'research-assistant after model calls began to pass the conversation by reference (patch conversation-by-reference)',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent(agentInputFor(researchAssistant, exampleInputOf(researchAssistant), 'mock:research-assistant')),
  },
  {
    name: 'summarize-after-context-length',
    folder: '',
    description:
      'context strategy summarize: the provider refuses a request as too long, a summary is written, the call is retried',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent({
      agent: 'adder',
      instructions: 'You add numbers.',
      input: 'Add 1 + 1, 2 + 2 and 3 + 3.',
      model: 'mock:context-length-summarize',
      tools: ['calculator'],
      context: { strategy: 'summarize' },
    }),
  },
  {
    name: 'research-assistant',
    folder: '',
    description: 'the shipped research-assistant agent: two tool turns, one of them with two parallel tool calls',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent(agentInputFor(researchAssistant, exampleInputOf(researchAssistant), 'mock:research-assistant')),
  },
  {
    name: 'file-clerk-approved',
    folder: '',
    description: 'the shipped file-clerk agent: write_file waits for approval, approved by signal',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent(agentInputFor(fileClerk, exampleInputOf(fileClerk), 'mock:file-clerk')),
    drive: approveWhenAsked,
  },
  {
    name: 'file-clerk-approval-verified',
    folder: '',
    description:
      'file-clerk with named approvers after decisions became checked by the verifyApprovalDecision activity (patch approval-verification)',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent({ ...agentInputFor(fileClerk, exampleInputOf(fileClerk), 'mock:file-clerk'), approvers: ['recorder'] }),
    drive: approveWhenAsked,
  },
  {
    name: 'rate-limited',
    folder: '',
    description: 'a model call that gets a 429 with retry-after and succeeds on the second attempt',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent({ agent: 'tester', instructions: 'test', input: 'hi', model: 'mock:rate-limited' }),
  },
  {
    name: 'malformed-tool-args',
    folder: '',
    description: 'malformed tool arguments fed back to the model, which corrects itself',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent({
      agent: 'tester',
      instructions: 'test',
      input: 'hi',
      model: 'mock:malformed-tool-args',
      tools: ['calculator'],
    }),
  },
  ...shippedAgentSpecs().map((spec): Recording => ({
    name: `agent-${spec.name}`,
    folder: 'shipped',
    description: `the shipped ${spec.name} agent on mock:${spec.mockScenario}${spec.approvalRequiredTools.length ? ', approved by signal' : ''}`,
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent(agentInputFor(spec, exampleInputOf(spec), `mock:${spec.mockScenario}`)),
    ...(spec.approvalRequiredTools.length ? { drive: approveWhenAsked } : {}),
  })),
  ...shippedGraphs().map((g): Recording => ({
    name: `graph-${g.name}`,
    folder: 'shipped',
    description: `the shipped ${g.name} graph on its mock scenario${gatedGraphs.has(g.name) ? ', approved by signal' : ''}, with its child runs`,
    workflowType: GRAPH_WORKFLOW_TYPE,
    args: graph(g.name),
    withChildren: true,
    ...(gatedGraphs.has(g.name) ? { drive: approveWhenAsked } : {}),
  })),
  {
    name: 'code-first-sales-follow-up',
    folder: 'shipped',
    description: 'the hand-written salesFollowUpWorkflow (src/workflows/examples), approved by signal',
    workflowType: 'salesFollowUpWorkflow',
    args: [{ accountId: 'acme', model: 'mock:graphs' }],
    drive: approveWhenAsked,
  },
  {
    name: 'research-assistant-budget-fallback',
    folder: '',
    description:
      'research-assistant with a budget and a fallback model, after model calls moved to provider task queues (patch model-provider-task-queue)',
    workflowType: AGENT_WORKFLOW_TYPE,
    args: agent({
      ...agentInputFor(researchAssistant, exampleInputOf(researchAssistant), 'mock:research-assistant'),
      budget: { maxTokens: 100_000, maxSteps: 10, maxToolCalls: 10, softThreshold: 0.01 },
      fallbackModels: ['openai:gpt-4o-mini'],
    }),
  },
];

type Manifest = Record<string, { workflowId: string; workflowType: string; description: string }>;

function readManifest(folder: string): Manifest {
  const file = path.join(historiesDir, folder, 'manifest.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest) : {};
}

/** A file name for a workflow id: child ids contain `/`. */
const fileNameFor = (workflowId: string, rootId: string, name: string): string =>
  workflowId === rootId ? `${name}.json` : `${name}--${workflowId.slice(rootId.length + 1).replace(/\//g, '--')}.json`;

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const cli = await resolveTemporalCli({ allowInstall: true });
  const stack = await startTestStack();
  const show = (workflowId: string, runId?: string): Buffer =>
    // The stock CLI's JSON is the canonical history format; historyFromJSON reads it back.
    execFileSync(cli.path, [
      'workflow',
      'show',
      '--address',
      stack.address,
      '--workflow-id',
      workflowId,
      ...(runId ? ['--run-id', runId] : []),
      '--output',
      'json',
    ]);
  try {
    const fileOf = (r: Recording) => path.join(historiesDir, r.folder, `${r.name}.json`);
    // The corpus is immutable: without names, only recordings that have no file yet are made.
    const todo = recordings.filter((r) => (wanted.length === 0 ? !fs.existsSync(fileOf(r)) : wanted.includes(r.name)));
    for (const r of todo) {
      if (fs.existsSync(fileOf(r))) {
        process.stderr.write(
          `skipped ${r.name}: ${path.relative(process.cwd(), fileOf(r))} exists and is never overwritten\n`,
        );
        continue;
      }
      const workflowId = `history-${r.name}`;
      const handle = await stack.client.workflow.start(r.workflowType, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: r.args,
      });
      await r.drive?.(stack, handle);
      await handle.result();
      const ids = [workflowId];
      if (r.withChildren) {
        for await (const w of stack.client.workflow.list({ query: `WorkflowId STARTS_WITH "${workflowId}/"` })) {
          ids.push(w.workflowId);
        }
      }
      const dir = path.join(historiesDir, r.folder);
      fs.mkdirSync(dir, { recursive: true });
      const manifest = r.folder ? readManifest(r.folder) : undefined;
      for (const id of ids.sort()) {
        const file = path.join(dir, fileNameFor(id, workflowId, r.name));
        if (fs.existsSync(file)) continue;
        fs.writeFileSync(
          file,
          show(id, id === workflowId && r.run === 'first' ? handle.firstExecutionRunId : undefined),
        );
        if (manifest) {
          const type = (await stack.client.workflow.getHandle(id).describe()).type;
          manifest[path.basename(file)] = {
            workflowId: id,
            workflowType: type,
            description: id === workflowId ? r.description : `child run ${id} of ${r.name}`,
          };
        }
        process.stdout.write(`recorded ${path.relative(process.cwd(), file)}\n`);
      }
      if (manifest) {
        const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
        fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(sorted, null, 2)}\n`);
      }
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`record-histories: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
