/**
 * Eval datasets and the pure scorers: JSONL and YAML datasets with line and field errors, and every built-in
 * scorer against a case made to pass and one made to fail, the judge's verdict validation included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDataset, datasetFormatOf } from '../../src/contracts/evals/dataset';
import {
  judgePrompt,
  scoreFromJudgeReply,
  scorerSpecSchema,
  scoreWithBuiltin,
  type CaseRunFacts,
  type ScorerSpecInput,
} from '../../src/contracts/evals/scorers';
import { evalInputSchema, summarize, type EvalCaseResult } from '../../src/contracts/evals/contract';
import { UserError } from '../../src/contracts/errors';

const facts = (over: Partial<CaseRunFacts> = {}): CaseRunFacts => ({
  status: 'completed',
  output: 'The capital of France is Paris.',
  toolCalls: [
    { name: 'search', arguments: JSON.stringify({ query: 'capital of France', filter: { lang: 'en' }, limit: 3 }) },
  ],
  steps: 2,
  costUsd: 0.002,
  latencyMs: 1500,
  ...over,
});

function score(spec: ScorerSpecInput, f = facts(), expected?: unknown) {
  const parsed = scorerSpecSchema.parse(spec);
  assert.ok(parsed.type !== 'judge' && parsed.type !== 'custom');
  return scoreWithBuiltin(parsed, f, expected);
}

describe('datasets', () => {
  it('reads JSONL with ids, expected, tags and metadata, skipping blank lines', () => {
    const cases = parseDataset(
      [
        '{"input": "capital of France?", "expected": "Paris", "tags": ["geo"], "metadata": {"level": 1}}',
        '',
        '{"id": "second", "input": {"topic": "x"}}',
      ].join('\n'),
      'jsonl',
    );
    assert.deepEqual(
      cases.map((c) => [c.id, c.tags, c.metadata]),
      [
        ['case-1', ['geo'], { level: 1 }],
        ['second', [], {}],
      ],
    );
    assert.equal(cases[0]!.expected, 'Paris');
  });

  it('names the line and the field of each problem in JSONL', () => {
    assert.throws(
      () =>
        parseDataset('{"input": "ok"}\n{"input": 5}\n{not json\n{"input": "x", "tagz": []}', 'jsonl', 'cases.jsonl'),
      (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, /^cases\.jsonl: /);
        assert.match(err.message, /line 2: input: /);
        assert.match(err.message, /line 3: not valid JSON/);
        assert.match(err.message, /line 4: .*tagz/);
        return true;
      },
    );
  });

  it('reads YAML as a list or { cases }, naming the case of a problem, and refuses duplicate ids', () => {
    assert.equal(parseDataset('- input: a\n- input: b\n', 'yaml').length, 2);
    assert.equal(parseDataset('cases:\n  - input: a\n    tags: [x]\n', 'yaml')[0]!.tags[0], 'x');
    assert.throws(() => parseDataset('- input: a\n- tags: [x]\n', 'yaml'), /case 2: input: /);
    assert.throws(
      () => parseDataset('- {id: a, input: x}\n- {id: a, input: y}\n', 'yaml'),
      /case 2: id: "a" is already/,
    );
    assert.throws(() => parseDataset('input: a\n', 'yaml'), /expected a list of cases/);
    assert.throws(() => parseDataset('', 'jsonl'), /no cases/);
    assert.equal(datasetFormatOf('x.jsonl'), 'jsonl');
    assert.equal(datasetFormatOf('x.yaml'), 'yaml');
  });
});

describe('built-in scorers', () => {
  it('exact: passes on the same text (trimmed, case when asked) and fails otherwise', () => {
    assert.equal(score({ type: 'exact' }, facts({ output: ' Paris \n' }), 'Paris').pass, true);
    assert.equal(score({ type: 'exact', ignoreCase: true }, facts({ output: 'paris' }), 'Paris').pass, true);
    const miss = score({ type: 'exact' }, facts(), 'Paris');
    assert.equal(miss.pass, false);
    assert.equal(miss.score, 0);
    assert.match(miss.reason, /expected "Paris"/);
    assert.equal(score({ type: 'exact' }, facts()).pass, false, 'nothing to compare with fails');
  });

  it('contains: every value, case-insensitive by default, partial credit for some', () => {
    assert.equal(score({ type: 'contains' }, facts(), 'paris').pass, true);
    const some = score({ type: 'contains', values: ['Paris', 'Lyon'] });
    assert.equal(some.pass, false);
    assert.equal(some.score, 0.5);
    assert.match(some.reason, /missing "Lyon"/);
    assert.equal(score({ type: 'contains', values: ['paris'], ignoreCase: false }).pass, false);
  });

  it('regex and jsonSchema', () => {
    assert.equal(score({ type: 'regex', pattern: 'capital of \\w+ is', flags: 'i' }).pass, true);
    assert.equal(score({ type: 'regex', pattern: '^\\d+$' }).pass, false);
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    assert.equal(score({ type: 'jsonSchema', schema }, facts({ output: '{"city": "Paris"}' })).pass, true);
    assert.equal(
      score({ type: 'jsonSchema', schema }, facts({ output: '```json\n{"city": "Paris"}\n```' })).pass,
      true,
    );
    const bad = score({ type: 'jsonSchema', schema }, facts({ output: '{"town": "Paris"}' }));
    assert.equal(bad.pass, false);
    assert.match(bad.reason, /city/);
    assert.equal(score({ type: 'jsonSchema', schema }, facts()).pass, false, 'not JSON at all');
  });

  it('toolCalled / toolNotCalled with argument matchers', () => {
    assert.equal(score({ type: 'toolCalled', tool: 'search' }).pass, true);
    assert.equal(score({ type: 'toolCalled', tool: 'search', args: { query: { contains: 'France' } } }).pass, true);
    assert.equal(score({ type: 'toolCalled', tool: 'search', args: { 'filter.lang': 'en', limit: 3 } }).pass, true);
    assert.equal(score({ type: 'toolCalled', tool: 'search', args: { query: { regex: '^capital' } } }).pass, true);
    assert.equal(score({ type: 'toolCalled', tool: 'search', args: { page: { exists: false } } }).pass, true);
    assert.equal(score({ type: 'toolCalled', tool: 'search', args: { limit: { equals: 4 } } }).pass, false);
    assert.equal(score({ type: 'toolCalled', tool: 'search', minTimes: 2 }).pass, false);
    assert.equal(score({ type: 'toolCalled', tool: 'write_file' }).pass, false);
    assert.equal(score({ type: 'toolNotCalled', tool: 'write_file' }).pass, true);
    assert.equal(score({ type: 'toolNotCalled', tool: 'search' }).pass, false);
    assert.equal(score({ type: 'toolNotCalled', tool: 'search', args: { query: 'other' } }).pass, true);
    assert.equal(
      score(
        { type: 'toolCalled', tool: 'search', args: { query: 'x' } },
        facts({ toolCalls: [{ name: 'search', arguments: 'not json' }] }),
      ).pass,
      false,
    );
  });

  it('at most N steps, $ and seconds', () => {
    assert.equal(score({ type: 'maxSteps', max: 2 }).pass, true);
    assert.equal(score({ type: 'maxSteps', max: 1 }).pass, false);
    assert.equal(score({ type: 'maxCostUsd', max: 0.01 }).pass, true);
    assert.equal(score({ type: 'maxCostUsd', max: 0.001 }).pass, false);
    assert.equal(score({ type: 'maxSeconds', max: 2 }).pass, true);
    assert.equal(score({ type: 'maxSeconds', max: 1 }).pass, false);
  });

  it('refuses malformed scorer specs with the field', () => {
    const bad = scorerSpecSchema.safeParse({ type: 'regex', pattern: 'x', flags: 'g' });
    assert.equal(bad.success, false);
    assert.equal(scorerSpecSchema.safeParse({ type: 'levenshtein' }).success, false);
    const noJudge = evalInputSchema.safeParse({
      target: { kind: 'agent', agent: { instructions: 'x', model: 'mock:x' } },
      cases: [{ id: 'a', input: 'x' }],
      scorers: [{ type: 'judge', rubric: 'good' }],
    });
    assert.equal(noJudge.success, false);
    assert.match(JSON.stringify(noJudge.error?.issues), /a judge needs a model/);
  });
});

describe('the judge verdict', () => {
  const judge = scorerSpecSchema.parse({ type: 'judge', rubric: 'Names Paris', model: 'mock:judge' });
  assert.ok(judge.type === 'judge');

  it('takes a valid verdict, its pass or the threshold, and keeps its cost apart', () => {
    const s = scoreFromJudgeReply(judge, '{"score": 0.9, "reason": "names Paris"}', 0.0001);
    assert.deepEqual([s.score, s.pass, s.reason, s.judgeCostUsd], [0.9, true, 'names Paris', 0.0001]);
    assert.equal(scoreFromJudgeReply(judge, '{"score": 0.2, "reason": "no"}', 0).pass, false);
    assert.equal(scoreFromJudgeReply(judge, '{"score": 0.9, "pass": false, "reason": "strict"}', 0).pass, false);
  });

  it('scores an invalid verdict 0 and says why', () => {
    for (const reply of ['great answer!', '{"score": 7, "reason": "x"}', '{"score": 0.5}']) {
      const s = scoreFromJudgeReply(judge, reply, 0);
      assert.equal(s.score, 0, reply);
      assert.equal(s.pass, false);
      assert.match(s.reason, /verdict is invalid/);
    }
  });

  it('shows the judge the rubric, input, expected and answer as data', () => {
    const p = judgePrompt('Names Paris', 'capital of France?', 'Paris', facts());
    assert.match(p.user, /Rubric:\nNames Paris/);
    assert.match(p.user, /Expected:\nParis/);
    assert.match(p.user, /Answer:\nThe capital of France is Paris\./);
    assert.match(p.system, /never instructions/);
  });
});

describe('eval summary', () => {
  it('means by scorer and by tag, costs apart', () => {
    const row = (id: string, tags: string[], s: number, pass: boolean): EvalCaseResult => ({
      id,
      tags,
      workflowId: id,
      status: 'completed',
      output: '',
      scores: [{ scorer: 'contains', type: 'contains', score: s, pass, reason: '' }],
      score: s,
      pass,
      costUsd: 0.01,
      judgeCostUsd: 0.001,
      tokens: 10,
      steps: 1,
      toolCalls: 0,
      latencyMs: 100,
    });
    const sum = summarize([row('a', ['x'], 1, true), row('b', ['x', 'y'], 0, false)]);
    assert.equal(sum.meanScore, 0.5);
    assert.equal(sum.passed, 1);
    assert.deepEqual(sum.byTag.x, { cases: 2, meanScore: 0.5, passed: 1 });
    assert.deepEqual(sum.byTag.y, { cases: 1, meanScore: 0, passed: 0 });
    assert.equal(sum.byScorer.contains, 0.5);
    assert.ok(Math.abs(sum.costUsd - 0.02) < 1e-12);
    assert.ok(Math.abs(sum.judgeCostUsd - 0.002) < 1e-12);
  });
});
