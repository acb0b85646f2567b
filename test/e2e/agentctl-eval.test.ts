/**
 * `agentctl eval` as a person runs it (a subprocess) against a real dev server, worker and the mock LLM: a 6-case
 * dataset through an agent spec file with two scorers (one from the dataset, one from --scorers), its report files
 * (the JSON parses, the HTML loads nothing from a network and has its charts), `watch` of an eval to its end (and of
 * one terminated midway), `--compare` with a variant whose instructions make the mock answer worse (exit 1) and with
 * one that changes nothing (exit 0), and every kind of bad invocation as one line and exit 2.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { EvalReport, CompareReport } from '../../src/cli/eval-report/report';
import { agentctl, agentctlEnv, spawnAgentctl, type CliRun } from '../helpers/agentctl';
import { useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const capitals: [string, string, string][] = [
  ['fr', 'France', 'Paris'],
  ['jp', 'Japan', 'Tokyo'],
  ['it', 'Italy', 'Rome'],
  ['es', 'Spain', 'Madrid'],
  ['pe', 'Peru', 'Lima'],
];

let env: Record<string, string>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentctl-eval-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

const stack = useTestStack({}, async (s) => {
  env = agentctlEnv(s);
  s.mock.addScenario('eval-cli', {
    cases: [
      // A variant whose instructions carry the marker gets a useless answer to every question.
      { when: { contains: '[sloppy]' }, turns: [{ text: 'I am not sure.' }] },
      ...capitals.map(([, country, city]) => ({
        when: { contains: country, in: 'input' as const },
        turns: [{ text: `The capital of ${country} is ${city}.` }],
      })),
      { turns: [{ text: 'I do not know.' }] },
    ],
  });
  s.mock.addScenario('eval-cli-judge', {
    cases: [
      { when: { contains: 'I do not know.' }, turns: [{ text: '{"score": 0, "reason": "no answer"}' }] },
      { turns: [{ text: '{"score": 1, "reason": "names the capital"}' }] },
    ],
  });
  s.mock.addScenario('eval-cli-slow', { turns: [{ text: 'eventually', delayMs: 10_000 }] });
});

const agentFile = file(
  'geo.yaml',
  'name: geo\ndescription: capitals\ninstructions: Answer with the capital city.\nmodel: mock:eval-cli\n',
);
const graphFile = file(
  'geo-graph.yaml',
  [
    'name: geo-graph',
    'agents:',
    '  answerer: { instructions: Answer with the capital city., model: mock:eval-cli }',
    'state:',
    '  question: { type: string }',
    '  answer: { type: string }',
    'entry: ask',
    'nodes:',
    "  ask: { kind: agent, agent: answerer, input: '{{question}}', output: answer, next: done }",
    '  done: { kind: end, output: answer }',
  ].join('\n'),
);
const slowAgentFile = file('slow.yaml', 'name: slow\ninstructions: Take your time.\nmodel: mock:eval-cli-slow\n');
// Five answerable cases and one nobody can answer: the baseline passes 5 of 6.
const dataset = file(
  'capitals.yaml',
  [
    'cases:',
    ...capitals.map(
      ([id, country, city]) =>
        `  - { id: ${id}, input: "What is the capital of ${country}?", expected: ${city}, tags: [${id === 'jp' ? 'asia' : id === 'pe' ? 'america' : 'europe'}] }`,
    ),
    '  - { id: atlantis, input: "What is the capital of Atlantis?", expected: Poseidonis, tags: [myth] }',
    'scorers:',
    '  - { type: contains, name: answer }',
  ].join('\n'),
);
const scorersFile = file('scorers.yaml', '- { type: maxSteps, name: steps, max: 2 }\n');
const sloppy = file('sloppy.yaml', 'name: sloppy\ninstructions: Answer with the capital city. [sloppy]\n');
const same = file('same.json', JSON.stringify({ name: 'same', model: 'mock:eval-cli' }));

const evalArgs = (...more: string[]) => ['eval', dataset, '--agent', agentFile, '--scorers', scorersFile, ...more];

/** A clean usage error: exit 2, one `agentctl:` line on stderr naming the problem, nothing on stdout. */
function assertUsage(run: CliRun, problem: RegExp): void {
  assert.equal(run.code, 2, `exit code; stderr: ${run.stderr}`);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, /^agentctl: /);
  assert.match(lines[0]!, problem);
}

/** The markup of a page without its text (escaped text holds no `<`). */
const tagsOf = (html: string): string[] => html.match(/<[a-zA-Z!/][^>]*>/g) ?? [];

describe('agentctl eval', () => {
  it('runs the dataset with two scorers, shows progress and the table, and writes the JSON and HTML reports', async () => {
    const out = path.join(dir, 'reports');
    const run = await agentctl(evalArgs('--concurrency', '3', '--out', out, '--name', 'capitals'), env, 80_000);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^started eval (eval-capitals-[0-9a-f]{8}): 6 cases$/m);
    assert.match(run.stdout, /^6\/6 done · 5 passed · mean 0\.917 · \$/m, 'the last progress line');
    assert.match(run.stdout, /^FAIL atlantis · score 0\.500/m, 'each case as it finishes');
    assert.match(run.stdout, /^CASE\s+STATUS\s+SCORE\s+PASS\s+COST\s+STEPS\s+LATENCY/m);
    assert.match(run.stdout, /^fr\s+completed\s+1\.000\s+pass\s+\$0\.0000\d\d\s+1\s+\d/m);
    assert.match(run.stdout, /^atlantis\s+completed\s+0\.500\s+FAIL/m);
    assert.match(run.stdout, /^mean score 0\.917, 5\/6 passed/m);
    assert.match(run.stdout, /^steps\s+1\.000$/m);
    assert.match(run.stdout, /^answer\s+0\.833$/m);
    assert.match(run.stdout, /^europe\s+3\s+1\.000\s+3$/m);
    const workflowId = /^started eval (\S+):/m.exec(run.stdout)![1]!;

    const report = JSON.parse(fs.readFileSync(path.join(out, `eval-${workflowId}.json`), 'utf8')) as EvalReport;
    assert.equal(report.format, 'durable-agents/eval-report@1');
    assert.equal(report.workflowId, workflowId);
    assert.equal(report.result.results.length, 6);
    assert.equal(report.result.summary.passed, 5);
    assert.deepEqual(
      report.input.scorers.map((s) => s.name),
      ['steps', 'answer'],
    );
    assert.equal(report.input.concurrency, 3);
    assert.equal(report.input.cases.length, 6);
    assert.equal(report.result.target.name, 'geo');
    assert.ok(report.result.results.every((r) => r.workflowId === `${workflowId}--${r.id}` && r.costUsd > 0));

    const html = fs.readFileSync(path.join(out, `eval-${workflowId}.html`), 'utf8');
    for (const chart of ['histogram', 'scatter', 'tags'])
      assert.ok(html.includes(`<svg class="chart ${chart}"`), chart);
    assert.doesNotMatch(html, /<script|<link/i);
    const linked = tagsOf(html).filter((t) => /\b(src|href)\s*=\s*["']?https?:/i.test(t));
    assert.deepEqual(linked, []);
    assert.ok(!tagsOf(html).some((t) => /https?:\/\//.test(t)));
    assert.ok(html.includes('The capital of France is Paris.'));
    assert.match(run.stdout, new RegExp(`^report: .*eval-${workflowId}\\.html$`, 'm'));
  });

  it('runs a graph spec file too, with a judge from --judge; --json prints the report alone on stdout', async () => {
    const judged = file('judged.yaml', '- { type: judge, name: judge, rubric: Does it name the capital? }\n');
    const run = await agentctl(
      ['eval', dataset, '--graph', graphFile, '--scorers', judged, '--judge', 'mock:eval-cli-judge', '--json'],
      env,
      80_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as EvalReport;
    assert.equal(report.result.target.kind, 'graph');
    assert.equal(report.result.target.name, 'geo-graph');
    assert.equal(report.result.summary.passed, 5);
    assert.equal(report.result.results.find((r) => r.id === 'fr')?.output, 'The capital of France is Paris.');
    assert.equal(report.input.judge, 'mock:eval-cli-judge');
    assert.deepEqual(report.result.summary.byScorer, { judge: 5 / 6, answer: 5 / 6 });
    assert.ok(report.result.summary.judgeCostUsd > 0, 'the judge is costed apart');
    assert.match(run.stderr, /^6\/6 done · 5 passed/m);
  });

  it('--no-wait starts it; watch follows it to the end and exits 0', async () => {
    const started = await agentctl(evalArgs('--no-wait', '--name', 'watched'), env);
    assert.equal(started.code, 0, started.stderr);
    const workflowId = /^started eval (\S+): 6 cases$/m.exec(started.stdout)?.[1];
    assert.ok(workflowId, started.stdout);
    assert.match(started.stdout, new RegExp(`agentctl watch ${workflowId}`));

    const watched = await agentctl(['watch', workflowId], env, 60_000);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, new RegExp(`^watching ${workflowId}: eval$`, 'm'));
    assert.match(watched.stdout, /^6\/6 done · 5 passed/m);
    assert.match(watched.stdout, /^atlantis\s+completed\s+0\.500\s+FAIL/m);
  });

  it('watch of an eval that is terminated midway exits 1', async () => {
    const started = await agentctl(
      ['eval', dataset, '--agent', slowAgentFile, '--no-wait', '--name', 'slow', '--scorers', scorersFile],
      env,
    );
    assert.equal(started.code, 0, started.stderr);
    const workflowId = /^started eval (\S+):/m.exec(started.stdout)![1]!;
    const watch = spawnAgentctl(['watch', workflowId, '--interval', '200'], env);
    await waitFor('the watch to show the running eval', () => /running: /.test(watch.stdout));
    await stack.client.workflow.getHandle(workflowId).terminate('test stops it');
    const end = await watch.done;
    assert.equal(end.code, 1, end.stdout);
    assert.match(end.stderr, /^agentctl: .*terminated/m);
  });

  it('--compare with a variant whose instructions make answers worse exits 1 with the reason, and writes the comparison', async () => {
    const out = path.join(dir, 'compare-worse');
    const run = await agentctl(evalArgs('--compare', sloppy, '--out', out, '--seed', '7'), env, 80_000);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^\[baseline\] 6\/6 done/m);
    assert.match(run.stdout, /^\[sloppy\] 6\/6 done · 0 passed/m);
    assert.match(run.stdout, /^CASE\s+BASELINE\s+SLOPPY\s+DIFF\s+OUTCOME/m);
    assert.match(run.stdout, /^fr\s+1\.000\s+0\.500\s+-0\.500\s+loss/m);
    assert.match(run.stdout, /^atlantis\s+0\.500\s+0\.500\s+0\.000\s+tie/m);
    assert.match(run.stdout, /^wins 0, losses 5, ties 1; difference -0\.417/m);
    const stderr = run.stderr.trim().split('\n');
    assert.equal(stderr.length, 1, run.stderr);
    assert.match(stderr[0]!, /^agentctl: regression: sloppy 0\.500 vs baseline 0\.917 \(-0\.417, 95% CI/);

    const baselineId = /^started eval (\S+):/m.exec(run.stdout)![1]!;
    const report = JSON.parse(fs.readFileSync(path.join(out, `compare-${baselineId}.json`), 'utf8')) as CompareReport;
    assert.equal(report.comparison.regressed, true);
    assert.equal(report.comparison.seed, 7);
    assert.equal(report.comparison.resamples, 2000);
    assert.equal(report.variant.variant, 'sloppy');
    assert.equal(report.variant.input.target.kind, 'agent');
    const html = fs.readFileSync(path.join(out, `compare-${baselineId}.html`), 'utf8');
    assert.ok(html.includes('<svg class="chart intervals"'));
    assert.ok(!tagsOf(html).some((t) => /https?:|<script/i.test(t)));
    assert.ok(fs.existsSync(path.join(out, `eval-${report.variant.workflowId}.html`)));
  });

  it('--compare with a variant that changes nothing exits 0; --json prints the comparison', async () => {
    const run = await agentctl(evalArgs('--compare', same, '--json'), env, 80_000);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as CompareReport;
    assert.equal(report.format, 'durable-agents/eval-compare@1');
    assert.equal(report.comparison.regressed, false);
    assert.equal(report.comparison.ties, 6);
    assert.deepEqual(report.comparison.difference, { mean: 0, low: 0, high: 0 });
    assert.match(run.stderr, /\[same\] 6\/6 done/, 'progress goes to stderr with --json');
  });

  it('says at once when no worker polls the task queue, and does not wait (exit 1)', async () => {
    const queue = `nobody-${process.pid}`;
    const run = await agentctl(evalArgs('--name', 'unserved'), { ...env, TEMPORAL_TASK_QUEUE: queue });
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, new RegExp(`^agentctl: warning: no worker is polling task queue ${queue}`, 'm'));
    const workflowId = /^agentctl: not waiting for eval (\S+): /m.exec(run.stderr)?.[1];
    assert.ok(workflowId, run.stderr);
    assert.match(run.stderr, new RegExp(`follow it with agentctl watch ${workflowId}$`, 'm'));
    await stack.client.workflow.getHandle(workflowId).terminate('nobody runs it');
  });

  it('a bad flag, dataset, scorer or variant is one line and exit 2, before anything starts', async () => {
    const badDataset = file('bad.jsonl', '{"id":"a","input":"x"}\n{"id":"b","inptu":"y"}\n');
    const badScorers = file('bad-scorers.yaml', 'cases: [{ input: x }]\nscorers: [{ type: contains, valeus: [x] }]\n');
    const judge = file('judge.yaml', '- { type: judge, rubric: "Is it right?" }\n');
    const badVariant = file('bad-variant.yaml', 'prompt: be worse\nmaxSteps: 0\n');
    const runs = await Promise.all([
      agentctl(['eval', dataset, '--scorers', scorersFile], env),
      agentctl(evalArgs('--concurrency', '0'), env),
      agentctl(['eval', badDataset, '--agent', agentFile, '--scorers', scorersFile], env),
      agentctl(['eval', badScorers, '--agent', agentFile], env),
      agentctl(['eval', path.join(dir, 'capitals.jsonl'), '--agent', agentFile], env),
      agentctl(['eval', file('plain.jsonl', '{"input":"x"}\n'), '--agent', agentFile], env),
      agentctl(evalArgs('--compare', badVariant), env),
      agentctl(['eval', dataset, '--agent', agentFile, '--scorers', judge], env),
      agentctl(['eval', dataset, '--graph', agentFile, '--scorers', scorersFile], env),
      agentctl(['eval', dataset, '--agent', 'no-such-agent'], env),
    ]);
    const expected = [
      /eval needs one of --agent NAME\|FILE or --graph NAME\|FILE/,
      /--concurrency: must be from 1 to 50/,
      /bad\.jsonl: line 2: .*Unrecognized key: "inptu"/,
      /bad-scorers\.yaml: scorer 1: .*valeus/,
      /cannot read dataset .*capitals\.jsonl: ENOENT/,
      /no scorers: give --scorers FILE .* or a scorers: list in the dataset/,
      /variant .*bad-variant\.yaml: .*maxSteps: .*prompt|variant .*bad-variant\.yaml: .*prompt.*maxSteps/,
      /scorer 1 \(judge\): needs a model: give it one, or --judge provider:model/,
      /--graph .*geo\.yaml is an agent; use --agent/,
      /no-such-agent/,
    ];
    runs.forEach((run, i) => assertUsage(run, expected[i]!));
  });
});
