/**
 * A user's own agent specs on a real dev server: a worker given a specs folder runs a run started with only the
 * agent's name (the `resolveAgentSpec` activity, recorded in history), and agentctl pointed at the folder
 * starts the agent by name and by file, lists it and validates it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { AGENT_WORKFLOW_TYPE, type AgentResult } from '../../src/contracts/agent-contract';
import type { AgentByNameInput } from '../../src/contracts/agent-spec';
import { ErrorType } from '../../src/contracts/errors';
import { agentctl, agentctlEnv } from '../helpers/agentctl';
import { useTestStack, workflowBundle } from '../helpers/stack';

const specsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-user-specs-'));
const supportFile = path.join(specsDir, 'support-agent.yaml');
fs.writeFileSync(
  supportFile,
  [
    'name: support-agent',
    'description: Answers billing questions, doing sums with the calculator.',
    'instructions: You are the support agent. Use the calculator for sums.',
    'model: mock:support',
    'tools: [calculator]',
    'maxSteps: 4',
    'exampleInput: What is 6 times 7?',
    '',
  ].join('\n'),
);
// Outside the folder: started by its path only.
const looseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-loose-spec-'));
const looseFile = path.join(looseDir, 'echo-agent.json');
fs.writeFileSync(
  looseFile,
  JSON.stringify({ name: 'echo-agent', instructions: 'You echo.', model: 'mock:echo', exampleInput: 'echo me' }),
);
after(() => {
  fs.rmSync(specsDir, { recursive: true, force: true });
  fs.rmSync(looseDir, { recursive: true, force: true });
});

const stack = useTestStack({ extra: { specsDir } }, async (s) => {
  s.mock.addScenario('support', {
    turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }] }, { text: 'It is 42.' }],
  });
  s.mock.addScenario('echo', { turns: [{ text: 'echo me' }] });
});

let n = 0;
const nextId = (what: string): string => `agent-specs-${process.pid}-${what}-${++n}`;

function startByName(input: AgentByNameInput, workflowId = nextId('by-name')) {
  return stack.client.workflow.start(AGENT_WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId, args: [input] });
}

describe('a run started with only an agent name', () => {
  it('runs the spec of the worker folder, and history records the resolved spec', async () => {
    const handle = await startByName({ agent: 'support-agent' });
    const result = (await handle.result()) as AgentResult;
    assert.equal(result.agent, 'support-agent');
    assert.equal(result.text, 'It is 42.');
    assert.equal(result.toolCalls, 1);
    const requests = stack.mock.requests.filter((r) => r.scenario === 'support');
    assert.ok(requests.length >= 2);
    assert.ok(requests.every((r) => r.systemPrompt === 'You are the support agent. Use the calculator for sums.'));

    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : [],
    );
    assert.equal(scheduled[0], 'resolveAgentSpec', `activities: ${scheduled.join(', ')}`);
    const markers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    assert.equal(markers.length >= 1, true, 'the resolution is behind a patch marker');

    // The spec changes on disk; the run's history still replays, because it holds the answer it ran with.
    const original = fs.readFileSync(supportFile, 'utf8');
    fs.writeFileSync(supportFile, original.replace('maxSteps: 4', 'maxSteps: 2').replace('the support', 'a changed'));
    try {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
    } finally {
      fs.writeFileSync(supportFile, original);
    }
  });

  it("lets the run's own fields win over the spec's, and takes its request", async () => {
    const handle = await startByName({ agent: 'support-agent', input: 'Sum it up', maxSteps: 1 });
    const err = await handle.result().then(
      () => assert.fail('one step cannot finish a tool call and answer'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, ErrorType.MaxStepsExceeded);
    assert.match(err.cause.message, /maxSteps=1/);
    const first = stack.mock.requests.filter((r) => r.scenario === 'support').at(-1);
    assert.equal(first?.lastUserOrToolContent, 'Sum it up');
  });

  it('fails an unknown name at once with a typed UnknownAgent failure listing the known agents', async () => {
    const handle = await startByName({ agent: 'no-such-agent', input: 'hi' });
    const err = await handle.result().then(
      () => assert.fail('the run should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
    assert.equal(err.cause.type, ErrorType.UnknownAgent);
    assert.match(err.cause.message, /unknown agent "no-such-agent".*research-assistant.*support-agent/);
  });
});

describe('agentctl with AGENT_SPECS_DIR', () => {
  const env = () => agentctlEnv(stack, { AGENT_SPECS_DIR: specsDir });

  it('lists shipped and user agents with their source', async () => {
    const run = await agentctl(['agents'], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^research-assistant\s+openai:gpt-4o-mini\s+search_knowledge_base,calculator\s+shipped/m);
    assert.match(run.stdout, new RegExp(`^support-agent\\s+mock:support\\s+calculator\\s+${supportFile}`, 'm'));
  });

  it('starts a user agent by name and waits for its answer', async () => {
    const id = nextId('cli-name');
    const run = await agentctl(['start', 'support-agent', '--id', id, '--wait'], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`started ${id}`));
    assert.match(run.stdout, /agent:\s+support-agent/);
    assert.match(run.stdout, /It is 42\./);
    const description = await stack.client.workflow.getHandle(id).describe();
    assert.equal(description.searchAttributes.AgentName?.[0], 'support-agent');
  });

  it('starts an agent spec file by path, with --input as its request', async () => {
    const id = nextId('cli-file');
    const run = await agentctl(['start', looseFile, '--input', 'echo me', '--id', id, '--wait'], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /agent:\s+echo-agent/);
    const result = (await stack.client.workflow.getHandle(id).result()) as AgentResult;
    assert.equal(result.agent, 'echo-agent');
    assert.equal(result.text, 'echo me');
  });

  it('validates an agent spec file and a user agent by name; a bad one names its fields', async () => {
    const byFile = await agentctl(['validate', supportFile], env());
    assert.equal(byFile.code, 0, byFile.stderr);
    assert.equal(byFile.stdout.trim(), 'ok: agent support-agent (mock:support, 1 tools)');
    const byName = await agentctl(['validate', 'support-agent'], env());
    assert.equal(byName.code, 0, byName.stderr);
    const bad = path.join(looseDir, 'bad-agent.yaml');
    fs.writeFileSync(bad, 'name: bad-agent\ninstructions: x\nmodel: gpt-4o\nmaxSteps: 0\n');
    const refused = await agentctl(['validate', bad], env());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /invalid agent spec .*bad-agent\.yaml: model: .*; maxSteps: /);
    const unknown = await agentctl(['start', 'nobody'], env());
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown agent "nobody"; known agents \(shipped or in .*\): .*support-agent/);
  });
});
