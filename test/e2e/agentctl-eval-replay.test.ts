/**
 * `agentctl eval replay` as a person runs it (a subprocess) against a dev server, a worker and the mock LLM: a
 * recorded run replayed unchanged makes no model request and writes its report; a variant that changes the
 * instructions pays for every step; a saved history file replays like the run; bad sources fail with one line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { AGENT_WORKFLOW_TYPE, type AgentInput, type AgentResult } from '../../src/contracts/agent-contract';
import type { ReplayRunReport } from '../../src/client/eval-replay';
import { agentctl, agentctlEnv } from '../helpers/agentctl';
import { useTestStack } from '../helpers/stack';

const stack = useTestStack();
const SCENARIO = 'two-tool-calls';
const recordedInput: AgentInput = {
  agent: 'adder',
  instructions: 'Use the calculator for every sum.',
  input: 'What is (2 + 3) * 7?',
  model: `mock:${SCENARIO}`,
  tools: ['calculator'],
  maxSteps: 5,
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-eval-replay-'));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const lastSeq = () => stack.mock.requests.at(-1)?.seq ?? 0;
const requestsSince = (from: number) => stack.mock.requests.filter((r) => r.seq > from && r.scenario === SCENARIO);

describe('agentctl eval replay', () => {
  const recordedId = `eval-replay-recorded-${process.pid}`;
  let recorded: AgentResult;

  it('records a run to replay', async () => {
    recorded = (await stack.client.workflow.execute(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: recordedId,
      args: [recordedInput],
    })) as AgentResult;
    assert.equal(recorded.modelCalls, 3);
  });

  it('replays it unchanged with zero model requests and writes replay-<id>.json', async () => {
    const variant = write('same.yaml', 'name: same\n');
    const out = path.join(dir, 'out');
    const from = lastSeq();
    const run = await agentctl(
      ['eval', 'replay', recordedId, '--variant', variant, '--out', out, '--json'],
      agentctlEnv(stack),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(requestsSince(from).length, 0, 'no request reached the model');
    const printed = JSON.parse(run.stdout) as { variant: string; runs: ReplayRunReport[] };
    assert.equal(printed.variant, 'same');
    const report = printed.runs[0]!;
    assert.equal(report.status, 'completed');
    assert.equal(report.requests, 0);
    assert.equal(report.replayed, 3);
    assert.equal(report.costUsd, 0);
    assert.ok(Math.abs(report.savedUsd - recorded.cost.totalUsd) < 1e-12, `${report.savedUsd}`);
    assert.equal(report.text, recorded.text);
    assert.deepEqual(
      report.steps.filter((s) => s.kind === 'model').map((s) => s.mode),
      ['replayed', 'replayed', 'replayed'],
    );
    const file = path.join(out, `replay-${recordedId}.json`);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), report);
  });

  it('pays for every step of a variant with other instructions, for a run and a saved history alike', async () => {
    const history = await stack.client.workflow.getHandle(recordedId).fetchHistory();
    const saved = write('recorded.json', historyToJSON(history));
    const variant = write('terse.yaml', 'name: terse\ninstructions: Use the calculator. Answer in one line.\n');
    const from = lastSeq();
    const run = await agentctl(['eval', 'replay', recordedId, saved, '--variant', variant], agentctlEnv(stack));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(requestsSince(from).length, 6, 'three live calls per replay run');
    assert.match(run.stdout, new RegExp(`replay of ${recordedId} → .*: completed; 3 model calls, 0 replayed, 3 live`));
    assert.match(run.stdout, /replay of recorded\.json → .*: completed; 3 model calls, 0 replayed, 3 live/);
    assert.match(run.stdout, /STEP\s+KIND\s+NAME\s+MODE\s+TOKENS\s+COST\s+SAVED\s+SUMMARY/);
    assert.match(run.stdout, /model\s+mock:two-tool-calls\s+live/);
  });

  it('replays a saved history file unchanged with zero requests', async () => {
    const from = lastSeq();
    const run = await agentctl(['eval', 'replay', path.join(dir, 'recorded.json'), '--json'], agentctlEnv(stack));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(requestsSince(from).length, 0);
    const report = (JSON.parse(run.stdout) as { runs: ReplayRunReport[] }).runs[0]!;
    assert.equal(report.kind, 'file');
    assert.equal(report.replayed, 3);
  });

  it('takes the same arguments as agentctl eval --replay', async () => {
    const from = lastSeq();
    const run = await agentctl(['eval', '--replay', recordedId, '--json'], agentctlEnv(stack));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(requestsSince(from).length, 0);
    const report = (JSON.parse(run.stdout) as { runs: ReplayRunReport[] }).runs[0]!;
    assert.equal(report.replayed, 3);
  });

  it('fails with one line for an unknown run, a malformed file, a bad variant, or no source', async () => {
    const cases: { args: string[]; problem: RegExp; code: number }[] = [
      { args: ['eval', 'replay', 'no-such-run'], problem: /no-such-run: no such run in namespace/, code: 1 },
      {
        args: ['eval', 'replay', write('broken.json', '{"events": [')],
        problem: /broken\.json: not JSON/,
        code: 1,
      },
      {
        args: ['eval', 'replay', recordedId, '--variant', write('bad.yaml', 'maxSteps: lots\n')],
        problem: /variant .*bad\.yaml: maxSteps/,
        code: 1,
      },
      { args: ['eval', 'replay'], problem: /eval replay needs <workflowId\|history\.json>/, code: 2 },
    ];
    const from = lastSeq();
    for (const c of cases) {
      const run = await agentctl(c.args, agentctlEnv(stack));
      assert.equal(run.code, c.code, `${c.args.join(' ')}: ${run.stderr}`);
      const lines = run.stderr.split('\n').filter((l) => l.trim());
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, c.problem);
    }
    assert.equal(requestsSince(from).length, 0, 'nothing was started');
  });
});
