/** The built-in tools: the calculator's grammar, knowledge-base ranking, workspace confinement and argument checks. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { calculate, evaluateExpression } from '../../src/activities/tools/calculator';
import { createToolActivities, type ToolActivity } from '../../src/activities/tools';
import { KnowledgeBase, splitMarkdown } from '../../src/activities/tools/knowledge-base';
import { ToolRegistry } from '../../src/activities/tools/registry';
import { READ_LIMIT_BYTES } from '../../src/activities/tools/workspace';
import { ErrorType } from '../../src/contracts/errors';
import {
  builtinToolSpecs,
  toolActivityName,
  toolDefinition,
  type ToolCallInput,
  type ToolCallOutput,
} from '../../src/contracts/tool-specs';

const knowledgeBaseDir = path.resolve(__dirname, '../../src/agents/knowledge-base');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-test-'));
const workspaceDir = path.join(tmp, 'workspace'); // deliberately missing: the tools create it
const outsideDir = path.join(tmp, 'outside');
const logs: LogEntry[] = [];
// A capturing logger keeps the activity logs out of the test output and lets tests look at them.
const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('TRACE', (entry) => logs.push(entry)) });
const tools = createToolActivities({ workspaceDir, knowledgeBaseDir });

/** Runs a tool activity the way the worker would, with the arguments as the model's JSON text. */
async function call(tool: string, args: unknown): Promise<string> {
  const activity = tools[`tool:${tool}`];
  assert.ok(activity, `no activity for ${tool}`);
  const input = {
    arguments: typeof args === 'string' ? args : JSON.stringify(args),
    toolCallId: 'call-1',
    idempotencyKey: 'wf:step-1:call-1',
  };
  const output = await env.run<[ToolCallInput], ToolCallOutput, ToolActivity>(activity, input);
  return output.content;
}

/** Asserts that a tool call fails with an ApplicationFailure of the given type whose message matches. */
async function rejectsWith(
  promise: Promise<unknown>,
  type: ErrorType,
  message: RegExp,
  nonRetryable = true,
): Promise<ApplicationFailure> {
  let failure: unknown;
  await assert.rejects(promise, (err) => {
    failure = err;
    return true;
  });
  assert.ok(failure instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(failure)}`);
  assert.equal(failure.type, type);
  assert.match(failure.message, message);
  assert.equal(failure.nonRetryable, nonRetryable);
  return failure;
}

before(() => {
  fs.mkdirSync(outsideDir, { recursive: true });
  fs.writeFileSync(path.join(outsideDir, 'secret.txt'), 'top secret');
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('tool activities', () => {
  it('registers one activity per built-in tool, named tool:<name>', () => {
    assert.deepEqual(Object.keys(tools).sort(), builtinToolSpecs.map((s) => toolActivityName(s.name)).sort());
  });

  it('describes every built-in as its contract says (runs recorded before describeTools resolve from the spec)', () => {
    const registry = ToolRegistry.withBuiltins({ workspaceDir, knowledgeBaseDir });
    assert.deepEqual(registry.names(), [
      'calculator',
      'crm_read_notes',
      'crm_update_record',
      'http_fetch',
      'list_files',
      'read_file',
      'run_javascript',
      'search_knowledge_base',
      'write_file',
    ]);
    const described = registry.describe(builtinToolSpecs.map((s) => s.name));
    assert.deepEqual(
      described,
      builtinToolSpecs.map((spec) => ({
        ...toolDefinition(spec),
        sideEffects: spec.sideEffects,
        needsApproval: spec.sideEffects === 'destructive',
        activity: toolActivityName(spec.name),
        timeout: spec.timeout,
        maximumAttempts: spec.maximumAttempts,
      })),
    );
  });
});

describe('calculator', () => {
  it('follows precedence, right-associative powers and unary minus', () => {
    const cases: [string, number][] = [
      ['1 + 2 * 3', 7],
      ['(1 + 2) * 3', 9],
      ['10 - 4 - 3', 3],
      ['24 / 4 / 2', 3],
      ['2 ^ 3 ^ 2', 512],
      ['-2 ^ 2', -4],
      ['(-2) ^ 2', 4],
      ['2 ^ -1', 0.5],
      ['2 ** 10', 1024],
      ['10 % 4 + 1', 3],
      ['--3', 3],
      ['-(2 + 3) * 2', -10],
      ['.5 * 4', 2],
      ['1.5e3', 1500],
      ['40 * 60', 2400],
    ];
    for (const [expression, value] of cases) assert.equal(evaluateExpression(expression), value, expression);
  });

  it('knows its functions and constants', () => {
    const cases: [string, number][] = [
      ['sqrt(16) + abs(-3)', 7],
      ['round(2.5)', 3],
      ['round(-2.5)', -3],
      ['round(3.14159, 2)', 3.14],
      ['floor(2.7) + ceil(2.1)', 5],
      ['min(4, 2, 8) + max(1, 9)', 11],
      ['log(e)', 1],
      ['log(8, 2)', 3],
      ['exp(0)', 1],
      ['PI', Math.PI],
      ['max(1, min(5, 3) * 2)', 6],
    ];
    for (const [expression, value] of cases)
      assert.ok(Math.abs(evaluateExpression(expression) - value) < 1e-12, expression);
  });

  it('prints numbers without float noise', () => {
    assert.equal(calculate({ expression: '0.1 + 0.2' }), '0.3');
    assert.equal(calculate({ expression: '2 + 3' }), '5');
  });

  it('names the position of syntax errors and division by zero', () => {
    assert.throws(() => evaluateExpression('1 / 0'), /division by zero at position 3/);
    assert.throws(() => evaluateExpression('7 % (2 - 2)'), /modulo by zero at position 3/);
    assert.throws(() => evaluateExpression('1 +'), /syntax error at position 4: expected a number.*end of expression/);
    assert.throws(() => evaluateExpression('2 * (3'), /position 7: expected "\)"/);
    assert.throws(() => evaluateExpression('2 3'), /position 3: expected an operator/);
    assert.throws(() => evaluateExpression('1 $ 2'), /unexpected character "\$" at position 3/);
    assert.throws(() => evaluateExpression('foo(2)'), /unknown name "foo" at position 1; known names: pi, e, sqrt/);
    assert.throws(() => evaluateExpression('sqrt(1, 2)'), /sqrt takes 1 argument\(s\) but got 2/);
    assert.throws(() => evaluateExpression('sqrt(-4)'), /sqrt of a negative number/);
    assert.throws(() => evaluateExpression('log(0)'), /log of a number that is not positive/);
    assert.throws(() => evaluateExpression('10 ^ 400'), /too large/);
  });

  it('never runs the expression as code', () => {
    assert.throws(
      () => evaluateExpression('process.exit(1)'),
      /unexpected character "\." at position 8|unknown name "process"/,
    );
    assert.throws(() => evaluateExpression('constructor'), /unknown name "constructor"/);
    assert.throws(() => evaluateExpression('__proto__'), /unknown name "__proto__"/);
    assert.throws(() => evaluateExpression('toString(1)'), /unknown name "toString"/);
  });

  it('reports its errors to the model as non-retryable ToolFailed', async () => {
    assert.equal(await call('calculator', { expression: '6 * 7' }), '42');
    await rejectsWith(
      call('calculator', { expression: '1 / 0' }),
      ErrorType.ToolFailed,
      /^calculator: division by zero at position 3/,
    );
  });
});

describe('knowledge base', () => {
  const kb = new KnowledgeBase(knowledgeBaseDir);

  it('ranks the relevant document first', async () => {
    const cases: [string, string][] = [
      ['worker crashed after 40 minutes, does the run resume from the last step?', 'durable-execution.md'],
      ['replay history determinism', 'durable-execution.md'],
      ['429 retry-after header backoff', 'retries-and-rate-limits.md'],
      ['approve or reject a pending tool call with a signal', 'human-in-the-loop.md'],
      ['token budget and dollar cost ledger', 'cost-control.md'],
      ['symlink outside the workspace', 'tools.md'],
    ];
    for (const [query, file] of cases) {
      const [best] = await kb.search(query);
      assert.equal(best?.passage.file, file, query);
    }
  });

  it('matches prefixes and small typos', async () => {
    assert.equal((await kb.search('approv'))[0]?.passage.file, 'human-in-the-loop.md');
    assert.equal((await kb.search('aproval'))[0]?.passage.file, 'human-in-the-loop.md');
    assert.equal((await kb.search('determinsm'))[0]?.passage.anchor, 'determinism');
  });

  it('returns the top passages as text with source lines, honouring limit', async () => {
    const text = await call('search_knowledge_base', { query: 'retry policy backoff' });
    assert.equal(text.match(/^source: /gm)?.length, 3);
    assert.match(text, /^source: retries-and-rate-limits\.md#[a-z0-9-]+$/m);
    const one = await call('search_knowledge_base', { query: 'retry policy backoff', limit: 1 });
    assert.equal(one.match(/^source: /gm)?.length, 1);
  });

  it('answers a query that matches nothing with a helpful message', async () => {
    const text = await call('search_knowledge_base', { query: 'xylophone' });
    assert.match(text, /No passages in the knowledge base match "xylophone"/);
    assert.match(text, /covers: .*Durable execution \(durable-execution\.md\)/);
  });

  it('splits documents by heading and long sections by paragraph, outside code fences', () => {
    const long = Array.from({ length: 6 }, (_, i) => `Paragraph ${i} ${'word '.repeat(60)}`).join('\n\n');
    const markdown = `# Guide\n\nIntro.\n\n## Setup steps\n\n\`\`\`sh\n# not a heading\nnpm ci\n\`\`\`\n\n## Details\n\n${long}\n\n## Setup steps\n\nAgain.\n`;
    const passages = splitMarkdown('guide.md', markdown);
    assert.deepEqual(passages[0], {
      file: 'guide.md',
      title: 'Guide',
      heading: 'Guide',
      trail: 'Guide',
      anchor: 'guide',
      text: 'Intro.',
    });
    assert.equal(passages[1]?.heading, 'Setup steps');
    assert.match(passages[1]?.text ?? '', /# not a heading/);
    const details = passages.filter((p) => p.heading === 'Details');
    assert.ok(details.length > 1, 'a long section becomes several passages');
    assert.ok(details.every((p) => p.text.length <= 1300 && p.trail === 'Guide › Details'));
    assert.equal(passages.at(-1)?.anchor, 'setup-steps-1');
  });

  it('rebuilds its index when a file changes', async () => {
    const dir = path.join(tmp, 'kb');
    fs.mkdirSync(dir);
    const doc = path.join(dir, 'notes.md');
    fs.writeFileSync(doc, '# Notes\n\nNothing about birds here.\n');
    const own = new KnowledgeBase(dir);
    assert.equal((await own.search('pelican')).length, 0);
    fs.writeFileSync(doc, '# Notes\n\nA pelican flew by.\n');
    // Some file systems keep mtimes coarse; move it on explicitly so the change is visible.
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(doc, later, later);
    assert.equal((await own.search('pelican'))[0]?.passage.text, 'A pelican flew by.');
  });
});

describe('workspace', () => {
  it('creates the workspace, writes atomically and reads back', async () => {
    assert.equal(fs.existsSync(workspaceDir), false);
    assert.equal(await call('list_files', {}), '(the workspace is empty)');
    assert.equal(fs.statSync(workspaceDir).isDirectory(), true);

    assert.equal(
      await call('write_file', { path: 'notes/summary.md', content: '# Summary\n\nThe demo ran.\n' }),
      'wrote notes/summary.md (25 bytes)',
    );
    assert.equal(await call('read_file', { path: 'notes/summary.md' }), '# Summary\n\nThe demo ran.\n');
    // No temporary file is left behind next to the result.
    assert.deepEqual(fs.readdirSync(path.join(workspaceDir, 'notes')), ['summary.md']);

    // Writing the same content again (a retried attempt) leaves the same file.
    assert.match(
      await call('write_file', { path: 'notes/summary.md', content: '# Summary\n\nThe demo ran.\n' }),
      /nothing changed/,
    );
    await call('write_file', { path: 'notes/summary.md', content: 'v2' });
    assert.equal(fs.readFileSync(path.join(workspaceDir, 'notes/summary.md'), 'utf8'), 'v2');

    // An absolute path that names a place inside the workspace is fine.
    assert.equal(await call('read_file', { path: path.join(workspaceDir, 'notes', 'summary.md') }), 'v2');
  });

  it('lists folders first, with paths relative to the workspace root', async () => {
    await call('write_file', { path: 'a.txt', content: 'abc' });
    assert.equal(await call('list_files', ''), 'notes/\na.txt (3 bytes)');
    assert.equal(await call('list_files', { path: 'notes' }), 'notes/summary.md (2 bytes)');
  });

  it('refuses paths that lead outside the workspace', async () => {
    fs.mkdirSync(workspaceDir, { recursive: true });
    fs.symlinkSync(outsideDir, path.join(workspaceDir, 'escape'));
    fs.symlinkSync(path.join(outsideDir, 'secret.txt'), path.join(workspaceDir, 'secret-link.txt'));
    fs.symlinkSync(path.join(outsideDir, 'new.txt'), path.join(workspaceDir, 'dangling.txt'));
    const refusals: [string, unknown][] = [
      ['read_file', { path: '../outside/secret.txt' }],
      ['read_file', { path: 'notes/../../outside/secret.txt' }],
      ['read_file', { path: path.join(outsideDir, 'secret.txt') }],
      ['read_file', { path: '/etc/passwd' }],
      ['read_file', { path: 'escape/secret.txt' }],
      ['read_file', { path: 'secret-link.txt' }],
      ['list_files', { path: 'escape' }],
      ['list_files', { path: '..' }],
      ['write_file', { path: '../x', content: 'pwned' }],
      ['write_file', { path: 'escape/new-folder/x.txt', content: 'pwned' }],
      ['write_file', { path: 'secret-link.txt', content: 'pwned' }],
      ['write_file', { path: 'dangling.txt', content: 'pwned' }],
    ];
    for (const [tool, args] of refusals) {
      await rejectsWith(
        call(tool, args),
        ErrorType.ToolPermissionDenied,
        new RegExp(`^${tool}: path ".*" (is outside|leads outside|is a symbolic link)`),
      );
    }
    assert.equal(fs.readFileSync(path.join(outsideDir, 'secret.txt'), 'utf8'), 'top secret');
    assert.deepEqual(fs.readdirSync(outsideDir), ['secret.txt']);
    assert.equal(fs.existsSync(path.join(tmp, 'x')), false);
  });

  it('reports a missing file as a non-retryable ToolFailed the model can read', async () => {
    await rejectsWith(
      call('read_file', { path: 'nope.md' }),
      ErrorType.ToolFailed,
      /^read_file: no such file in the workspace: nope\.md$/,
    );
    await rejectsWith(
      call('read_file', { path: 'notes' }),
      ErrorType.ToolFailed,
      /notes is a folder, not a file; use list_files/,
    );
    await rejectsWith(
      call('list_files', { path: 'missing' }),
      ErrorType.ToolFailed,
      /no such folder in the workspace: missing/,
    );
  });

  it('caps what read_file returns and says so', async () => {
    await call('write_file', { path: 'big.txt', content: 'x'.repeat(READ_LIMIT_BYTES + 1000) });
    const text = await call('read_file', { path: 'big.txt' });
    assert.ok(text.startsWith('x'.repeat(1000)));
    assert.match(
      text,
      new RegExp(
        `\\[truncated: big\\.txt has ${READ_LIMIT_BYTES + 1000} bytes; only the first ${READ_LIMIT_BYTES} are shown\\]$`,
      ),
    );
    assert.ok(text.length < READ_LIMIT_BYTES + 200);
  });
});

describe('argument validation', () => {
  it('refuses a missing field as non-retryable ToolArgumentsInvalid naming the field', async () => {
    await rejectsWith(call('calculator', {}), ErrorType.ToolArgumentsInvalid, /^calculator: expression: /);
    await rejectsWith(
      call('search_knowledge_base', { query: 'x', limit: 99 }),
      ErrorType.ToolArgumentsInvalid,
      /^search_knowledge_base: limit: /,
    );
    await rejectsWith(call('write_file', { path: 'x.md' }), ErrorType.ToolArgumentsInvalid, /^write_file: content: /);
  });

  it('refuses malformed JSON and unknown fields', async () => {
    await rejectsWith(
      call('calculator', '{"expression": "2 +'),
      ErrorType.ToolArgumentsInvalid,
      /^calculator: arguments are not valid JSON/,
    );
    await rejectsWith(call('calculator', '"2 + 2"'), ErrorType.ToolArgumentsInvalid, /^calculator: \(arguments\): /);
    await rejectsWith(
      call('read_file', { path: 'a.txt', mode: 'rw' }),
      ErrorType.ToolArgumentsInvalid,
      /^read_file: \(arguments\): Unrecognized key: "mode"/,
    );
  });

  it('logs each call with the tool name', async () => {
    logs.length = 0;
    await call('calculator', { expression: '1 + 1' });
    await call('calculator', {}).catch(() => undefined);
    const [ok, failed] = logs.filter((l) => l.meta?.tool === 'calculator');
    assert.equal(ok?.message, 'tool call completed');
    assert.equal(failed?.message, 'tool call failed');
    assert.equal(failed?.meta?.type, ErrorType.ToolArgumentsInvalid);
  });
});
