/** agentctl and graphs: list, validate, start (refused before connecting when the spec is bad), status, result. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { ErrorType } from '../../src/contracts/errors';
import { GRAPH_WORKFLOW_TYPE, type GraphRunState } from '../../src/contracts/graph-contract';
import { loadGraphSpec } from '../../src/agents/graphs';
import { startTestStack, type TestStack } from '../helpers/stack';

const bin = path.resolve(__dirname, '../../bin/agentctl.js');

function agentctl(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-specs-'));
const goodSpec = path.join(dir, 'sum.yaml');
fs.writeFileSync(
  goodSpec,
  [
    'name: sum',
    'description: adds two numbers with the calculator, no model',
    'state: { a: { type: number, default: 2 }, b: { type: number, default: 3 }, total: { type: string } }',
    'entry: add',
    'nodes:',
    "  add: { kind: tool, tool: calculator, args: { expression: '{{a}} + {{b}}' }, output: total, next: done }",
    '  done: { kind: end, output: total }',
    '',
  ].join('\n'),
);
// Nested state: the calculator reads inside an object field.
const orderSpec = path.join(dir, 'order.yaml');
fs.writeFileSync(
  orderSpec,
  [
    'name: order-total',
    'state: { order: { type: object, default: { qty: 3, price: 4 } }, total: { type: string } }',
    'entry: add',
    'nodes:',
    "  add: { kind: tool, tool: calculator, args: { expression: '{{order.qty}} * {{order.price}}' }, output: total, next: done }",
    '  done: { kind: end, output: total }',
    '',
  ].join('\n'),
);
// Plain text --input goes into the first string field: here, the expression itself.
const textSpec = path.join(dir, 'calc.yaml');
fs.writeFileSync(
  textSpec,
  [
    'name: calc',
    'state: { expression: { type: string }, total: { type: string } }',
    'entry: add',
    'nodes:',
    "  add: { kind: tool, tool: calculator, args: { expression: '{{expression}}' }, output: total, next: done }",
    '  done: { kind: end, output: total }',
    '',
  ].join('\n'),
);
const undeclaredPath = path.join(dir, 'undeclared-path.yaml');
fs.writeFileSync(
  undeclaredPath,
  [
    'name: status-check',
    'state: { total: { type: string } }',
    'entry: add',
    'nodes:',
    "  add: { kind: tool, tool: calculator, args: { expression: '{{order.status}}' }, output: total, next: done }",
    '  done: { kind: end }',
    '',
  ].join('\n'),
);
const badSpec = path.join(dir, 'bad.yaml');
fs.writeFileSync(badSpec, 'name: bad\nentry: a\nnodes:\n  a: { kind: route, next: nowhere }\n  z: { kind: end }\n');

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('agentctl graphs, without a server', () => {
  it('lists the shipped graphs', async () => {
    const run = await agentctl(['graphs']);
    assert.equal(run.code, 0);
    for (const name of ['sales-follow-up', 'support-router', 'crew-hierarchical'])
      assert.match(run.stdout, new RegExp(name));
  });

  it('validates a good spec and names the bad field of a bad one', async () => {
    const good = await agentctl(['validate', goodSpec]);
    assert.equal(good.code, 0);
    assert.match(good.stdout, /^ok: sum \(2 nodes, 0 agents\)/);
    const bad = await agentctl(['validate', badSpec]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /nodes\.a\.next: unknown node "nowhere"/);
    assert.ok(!bad.stderr.includes('    at '), 'no stack trace');
  });

  it('flags a dotted template path into an undeclared field', async () => {
    const run = await agentctl(['validate', undeclaredPath]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /nodes\.add\.args\.expression: template refers to unknown state field "\{\{order\.status\}\}"/,
    );
    assert.equal((await agentctl(['validate', orderSpec])).code, 0);
  });

  it('refuses input of the wrong declared type, and text for a graph without a string field, before connecting', async () => {
    const down = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const wrongType = await agentctl(['start', goodSpec, '--input', '{"a": "forty", "b": 2}'], down);
    assert.equal(wrongType.code, 1);
    assert.match(wrongType.stderr, /--input for graph sum: a: expected number, got string "forty"/);
    assert.doesNotMatch(wrongType.stderr, /cannot connect/);
    const stringGiven = await agentctl(['start', textSpec, '--input', '{"expression": 1234}'], down);
    assert.match(stringGiven.stderr, /expression: expected string, got number 1234/);
    const noTextField = await agentctl(['start', goodSpec, '--input', 'forty plus two'], down);
    assert.equal(noTextField.code, 1);
    assert.match(noTextField.stderr, /graph sum declares no string state field for text/);
  });

  it('refuses to start a bad spec before connecting', async () => {
    const run = await agentctl(['start', badSpec], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nodes\.a\.next/);
    assert.doesNotMatch(run.stderr, /cannot connect/);
  });
});

describe('agentctl graphs, on a dev server', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('starts a spec file, waits for it, and shows its state', async () => {
    const env = {
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    };
    const started = await agentctl(
      ['start', goodSpec, '--id', 'cli-sum', '--input', '{"a": 40, "b": 2}', '--wait'],
      env,
    );
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /started cli-sum/);
    assert.match(started.stdout, /^42$/m);
    const status = await agentctl(['status', 'cli-sum'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /graph:\s+sum/);
    assert.match(status.stdout, /add\s+done\s+static/);
    const asJson = JSON.parse((await agentctl(['status', 'cli-sum', '--json'], env)).stdout) as GraphRunState;
    assert.equal(asJson.workflowType, 'graphWorkflow');
    assert.equal(asJson.status, 'completed');
    const undeclared = await agentctl(['start', goodSpec, '--input', '{"c": 1}'], env);
    assert.equal(undeclared.code, 1);
    assert.match(undeclared.stderr, /c: not declared under state/);
  });

  it('reads nested state in templates, and takes plain text as the first string field', async () => {
    const env = {
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    };
    const nested = await agentctl(['start', orderSpec, '--id', 'cli-order', '--wait'], env);
    assert.equal(nested.code, 0, nested.stderr);
    assert.match(nested.stdout, /^12$/m);
    const text = await agentctl(['start', textSpec, '--id', 'cli-text', '--input', '40 + 2', '--wait'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^42$/m);
    const jsonText = await agentctl(['start', textSpec, '--id', 'cli-json-text', '--input', '"6 * 7"', '--wait'], env);
    assert.equal(jsonText.code, 0, jsonText.stderr);
    assert.match(jsonText.stdout, /^42$/m);
  });

  it('the workflow itself fails input of the wrong declared type at once, typed, before any node runs', async () => {
    const handle = await stack.client.workflow.start(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: 'graph-wrong-type',
      args: [{ spec: loadGraphSpec(textSpec), input: { expression: 1234 } }],
    });
    const err = await handle.result().then(
      () => assert.fail('the run should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
    assert.equal(err.cause.type, ErrorType.InvalidGraphInput);
    assert.match(err.cause.message, /expression: expected string, got number 1234/);
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes).length, 0, 'no activity ran');
  });
});
