/**
 * Replay of recorded runs on a real dev server with the mock LLM: a recorded three-call run replays with zero
 * model requests; a change that first matters at step 2 (a tool whose answer changed) makes exactly the requests
 * from step 2 on; a saved history file replays the same way (and an edited one goes live where it was edited);
 * bad sources fail the run with a typed failure and never a failed workflow task. The mock's request log counts.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define-tool';
import { AGENT_WORKFLOW_TYPE, type AgentInput, type AgentResult } from '../../src/contracts/agent-contract';
import { costOf, priceFor } from '../../src/contracts/pricing';
import { ErrorType } from '../../src/contracts/errors';
import { ReplaySourceError, recordedRun, recordingFromHistoryFile } from '../../src/client/eval-replay';
import { Worker } from '@temporalio/worker';
import { useTestStack, workflowBundle } from '../helpers/stack';
import { parsePayloadKeys } from '../../src/security/payload-codec';

/** The exchange rate the tool reports; a test changes it to change the recorded run's step-2 request. */
let rate = '1.10';
const lookupRate = defineTool({
  name: 'lookup_rate',
  description: 'The exchange rate of a currency against the dollar.',
  schema: z.object({ currency: z.string() }),
  sideEffects: 'none',
  run: ({ currency }) => `${currency}: ${rate}`,
});

const stack = useTestStack({ tools: [lookupRate] }, async (s) => {
  s.mock.addScenario(SCENARIO, {
    turns: [
      {
        toolCalls: [{ name: 'lookup_rate', arguments: { currency: 'EUR' } }],
        usage: { input: 300, output: 20, cached: 0 },
      },
      {
        toolCalls: [{ name: 'calculator', arguments: { expression: '100 * 1.1' } }],
        usage: { input: 500, output: 25, cached: 0 },
      },
      { text: '100 dollars are 110 euros.', usage: { input: 700, output: 30, cached: 0 } },
    ],
  });
});

const SCENARIO = 'replay-rates';
const MODEL = `mock:${SCENARIO}`;
const price = priceFor(MODEL)!;

const recordedInput: AgentInput = {
  agent: 'rates',
  instructions: 'Look the rate up, then compute the amount with the calculator.',
  input: 'How many euros are 100 dollars?',
  model: MODEL,
  tools: ['lookup_rate', 'calculator'],
  maxSteps: 6,
};

let counter = 0;
const nextId = (what: string) => `replay-${what}-${process.pid}-${++counter}`;

/** Model requests of this file's scenario that reached the mock since `from` (a request-log sequence number). */
function requestsSince(from: number) {
  return stack.mock.requests.filter((r) => r.seq > from && r.scenario === SCENARIO);
}
const lastSeq = () => stack.mock.requests.at(-1)?.seq ?? 0;

async function run(input: AgentInput, id = nextId('run')): Promise<{ id: string; result: AgentResult }> {
  const handle = await stack.client.workflow.start(AGENT_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: id,
    args: [input],
  });
  return { id, result: (await handle.result()) as AgentResult };
}

/** The run failed with an ApplicationFailure of `type`, and no workflow task of it ever failed. */
async function assertFailsWith(input: AgentInput, type: string): Promise<string> {
  const id = nextId('bad');
  const handle = await stack.client.workflow.start(AGENT_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: id,
    args: [input],
  });
  const err = await handle.result().then(
    () => assert.fail('the run should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  let cause: unknown = err.cause;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  assert.ok(cause instanceof ApplicationFailure, `no ApplicationFailure in ${String(err)}`);
  assert.equal(cause.type, type, cause.message);
  const history = await handle.fetchHistory();
  const taskFailures = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
  assert.equal(taskFailures.length, 0, 'a workflow task failed');
  return cause.message;
}

const modelSteps = (r: AgentResult) => r.steps.filter((s) => s.kind === 'model');
const stepCost = (r: AgentResult, index: number) => costOf(modelSteps(r)[index]!.usage!, price);
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} ≠ ${b}`);

describe('replay of a recorded run', () => {
  let recorded: { id: string; result: AgentResult };
  let historyFile: string;

  it('records a run of three model calls and two tool calls', async () => {
    rate = '1.10';
    const from = lastSeq();
    recorded = await run(recordedInput, nextId('recorded'));
    assert.equal(recorded.result.modelCalls, 3);
    assert.equal(recorded.result.toolCalls, 2);
    assert.equal(requestsSince(from).length, 3);
    assert.ok(recorded.result.cost.totalUsd > 0);
    assert.equal(recorded.result.replay, undefined, 'an ordinary run has no replay totals');
    assert.equal(modelSteps(recorded.result)[0]!.replayed, undefined, 'nor replay fields on its steps');
  });

  it('replays an unchanged run with zero model requests, the same answer, and the recorded cost saved', async () => {
    const from = lastSeq();
    const { result } = await run({ ...recordedInput, replay: { recordedWorkflowId: recorded.id } });
    assert.equal(requestsSince(from).length, 0, 'no request may reach the model');
    assert.equal(result.text, recorded.result.text);
    assert.deepEqual(result.replay, {
      replayed: 3,
      live: 0,
      savedUsd: result.replay!.savedUsd,
      savedTokens: recorded.result.cost.totalTokens,
    });
    near(result.replay!.savedUsd, recorded.result.cost.totalUsd, 'savedUsd');
    assert.equal(result.cost.totalUsd, 0, 'a replayed call costs nothing');
    assert.equal(result.modelCalls, 3);
    assert.equal(result.toolCalls, 2, 'tools run for real');
    const steps = modelSteps(result);
    assert.deepEqual(
      steps.map((s) => s.replayed),
      [true, true, true],
    );
    assert.deepEqual(
      steps.map((s) => s.usage),
      modelSteps(recorded.result).map((s) => s.usage),
      'a replayed answer reports the recorded usage',
    );
  });

  it('calls the model from the first step whose request changed (a tool answering differently at step 1)', async () => {
    rate = '1.25';
    try {
      const from = lastSeq();
      const replayId = nextId('partly-live');
      const { result } = await run({ ...recordedInput, replay: { recordedWorkflowId: recorded.id } }, replayId);
      const requests = requestsSince(from);
      assert.deepEqual(
        requests.map((r) => r.turn),
        [1, 2],
        'exactly the requests of steps 2 and 3 reach the model',
      );
      assert.deepEqual(
        modelSteps(result).map((s) => s.replayed),
        [true, false, false],
      );
      assert.equal(result.replay!.replayed, 1);
      assert.equal(result.replay!.live, 2);
      near(result.replay!.savedUsd, stepCost(recorded.result, 0), 'savedUsd is step 1’s recorded cost');
      near(result.cost.totalUsd, stepCost(result, 1) + stepCost(result, 2), 'the live steps are paid for');
      assert.equal(modelSteps(result)[0]!.costUsd, 0);
      near(modelSteps(result)[1]!.costUsd!, stepCost(result, 1), 'a live step records its cost');
      // A replay run, replayed and live calls mixed, is deterministic: its own history replays without an error.
      const history = await stack.client.workflow.getHandle(replayId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, replayId);
    } finally {
      rate = '1.10';
    }
  });

  it('goes live from step 1 when the instructions changed', async () => {
    const from = lastSeq();
    const { result } = await run({
      ...recordedInput,
      instructions: `${recordedInput.instructions} Be brief.`,
      replay: {
        recordedWorkflowId: recorded.id,
        recordedRunId: (await recordedRun(stack.client, recorded.id)).recordedRunId,
      },
    });
    assert.equal(requestsSince(from).length, 3);
    assert.deepEqual(result.replay, { replayed: 0, live: 3, savedUsd: 0, savedTokens: 0 });
  });

  it('matches the whole request, however the conversation travelled (recorded whole, replayed by reference)', async () => {
    const whole = await run({ ...recordedInput, conversationByReference: false }, nextId('recorded-whole'));
    const from = lastSeq();
    const { result } = await run({ ...recordedInput, replay: { recordedWorkflowId: whole.id } });
    assert.equal(requestsSince(from).length, 0);
    assert.equal(result.replay!.replayed, 3);
  });

  it('replays from a saved history file with zero requests', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-replay-'));
    historyFile = path.join(dir, 'recorded.json');
    const history = await stack.client.workflow.getHandle(recorded.id).fetchHistory();
    fs.writeFileSync(historyFile, historyToJSON(history));
    const source = await recordingFromHistoryFile(stack.client, historyFile);
    assert.equal(source.exchanges, 3);
    assert.deepEqual(source.input, recordedInput, 'the recorded input comes from the file');
    const from = lastSeq();
    const { result } = await run({ ...source.input, replay: source.replay });
    assert.equal(requestsSince(from).length, 0);
    assert.equal(result.text, recorded.result.text);
    near(result.replay!.savedUsd, recorded.result.cost.totalUsd, 'savedUsd');
  });

  it('goes live from the step whose recorded request was edited in the saved history (a changed tool result)', async () => {
    const saved = JSON.parse(fs.readFileSync(historyFile, 'utf8')) as {
      events: {
        activityTaskScheduledEventAttributes?: {
          activityType: { name: string };
          input: { payloads: { data: string }[] };
        };
      }[];
    };
    const modelCalls = saved.events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType.name === 'callModel',
    );
    const payload = modelCalls[1]!.activityTaskScheduledEventAttributes!.input.payloads[0]!;
    const request = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as {
      messages: { role: string; content: string }[];
    };
    const toolResult = request.messages.find((m) => m.role === 'tool')!;
    assert.equal(toolResult.content, 'EUR: 1.10');
    toolResult.content = 'EUR: 0.90';
    payload.data = Buffer.from(JSON.stringify(request)).toString('base64');
    const edited = path.join(path.dirname(historyFile), 'edited.json');
    fs.writeFileSync(edited, JSON.stringify(saved));

    const source = await recordingFromHistoryFile(stack.client, edited);
    const from = lastSeq();
    const { result } = await run({ ...source.input, replay: source.replay });
    assert.deepEqual(
      requestsSince(from).map((r) => r.turn),
      [1, 2],
    );
    assert.deepEqual(
      modelSteps(result).map((s) => s.replayed),
      [true, false, false],
    );
  });

  it('fails a replay of an unknown workflow id with ReplaySourceNotFound, not a stuck task', async () => {
    const message = await assertFailsWith(
      { ...recordedInput, replay: { recordedWorkflowId: 'no-such-recorded-run' } },
      ErrorType.ReplaySourceNotFound,
    );
    assert.match(message, /no-such-recorded-run/);
    await assert.rejects(recordedRun(stack.client, 'no-such-recorded-run'), ReplaySourceError);
  });

  it('fails a replay of a run that is not an agent run with ReplaySourceInvalid', async () => {
    const other = nextId('score-record');
    await stack.client.workflow.execute('agentScoreRecordWorkflow', {
      taskQueue: stack.taskQueue,
      workflowId: other,
      args: [{ scheduleId: 's', workflowId: 'w', agent: 'a', score: 1 }],
    });
    const message = await assertFailsWith(
      { ...recordedInput, replay: { recordedWorkflowId: other } },
      ErrorType.ReplaySourceInvalid,
    );
    assert.match(message, /not an agentWorkflow run \(its type is agentScoreRecordWorkflow\)/);
    await assert.rejects(
      recordedRun(stack.client, other),
      /not an agentWorkflow run \(its type is agentScoreRecordWorkflow\)/,
    );
    const history = await stack.client.workflow.getHandle(other).fetchHistory();
    const file = path.join(path.dirname(historyFile), 'score-record.json');
    fs.writeFileSync(file, historyToJSON(history));
    await assert.rejects(recordingFromHistoryFile(stack.client, file), /not the history of an agentWorkflow run/);
  });

  it('refuses a replay field that is a path or a URL at validation', async () => {
    for (const id of ['./recorded.json', 'https://example.com/run']) {
      const message = await assertFailsWith(
        { ...recordedInput, replay: { recordedWorkflowId: id } },
        ErrorType.InvalidAgentInput,
      );
      assert.match(message, /replay/);
    }
  });

  it('refuses malformed history files with one clear error each', async () => {
    const dir = path.dirname(historyFile);
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };
    await assert.rejects(recordingFromHistoryFile(stack.client, write('broken.json', '{"events": [')), /not JSON/);
    await assert.rejects(
      recordingFromHistoryFile(stack.client, write('shape.json', '{"runs": []}')),
      /not a saved Temporal history \(events/,
    );
    await assert.rejects(
      recordingFromHistoryFile(stack.client, write('empty.json', '{"events": []}')),
      /not a saved Temporal history \(events: no events/,
    );
    await assert.rejects(recordingFromHistoryFile(stack.client, path.join(dir, 'missing.json')), /cannot read it/);
  });
});

describe('replay with encrypted payloads', () => {
  const keys = parsePayloadKeys(`k1:${crypto.randomBytes(32).toString('base64')}`);
  const encrypted = useTestStack({ payloadKeys: keys });

  it('decodes the recorded run with the worker’s data converter, and a saved history with the client’s', async () => {
    const input: AgentInput = {
      agent: 'adder',
      instructions: 'Use the calculator.',
      input: 'What is (2 + 3) * 7?',
      model: 'mock:two-tool-calls',
      tools: ['calculator'],
    };
    const go = async (args: AgentInput, id: string) =>
      (await encrypted.client.workflow.execute(AGENT_WORKFLOW_TYPE, {
        taskQueue: encrypted.taskQueue,
        workflowId: id,
        args: [args],
      })) as AgentResult;
    const id = `replay-encrypted-${process.pid}`;
    const recordedResult = await go(input, id);
    const history = await encrypted.client.workflow.getHandle(id).fetchHistory();
    const raw = historyToJSON(history);
    assert.ok(!raw.includes('Use the calculator'), 'the history holds only ciphertext');
    const from = encrypted.mock.requests.at(-1)?.seq ?? 0;
    const byId = await go({ ...input, replay: { recordedWorkflowId: id } }, `${id}-by-id`);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'da-replay-enc-')), 'run.json');
    fs.writeFileSync(file, raw);
    const source = await recordingFromHistoryFile(encrypted.client, file);
    const byFile = await go({ ...source.input, replay: source.replay }, `${id}-by-file`);
    assert.equal(encrypted.mock.requests.filter((r) => r.seq > from).length, 0);
    for (const r of [byId, byFile]) {
      assert.equal(r.text, recordedResult.text);
      assert.equal(r.replay!.replayed, 3);
    }
  });
});
