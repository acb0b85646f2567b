/** `parseDatasetFile`: a YAML dataset's `scorers:` list beside its cases, validated and named by number. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDataset, parseDatasetFile } from '../../src/contracts/evals/dataset';

describe('parseDatasetFile', () => {
  it('returns the cases and the scorers of a { cases, scorers } dataset', () => {
    const text =
      'cases:\n  - { input: hi, expected: hello }\nscorers:\n  - { type: contains }\n  - { type: maxSteps, max: 2 }\n';
    const dataset = parseDatasetFile(text, 'yaml', 'd.yaml');
    assert.equal(dataset.cases.length, 1);
    assert.equal(dataset.cases[0]!.id, 'case-1');
    assert.deepEqual(
      dataset.scorers.map((s) => s.type),
      ['contains', 'maxSteps'],
    );
    assert.deepEqual(parseDataset(text, 'yaml', 'd.yaml'), dataset.cases, 'parseDataset still returns the cases');
  });

  it('has no scorers for a list of cases or JSONL', () => {
    assert.deepEqual(parseDatasetFile('- { input: hi }\n', 'yaml').scorers, []);
    assert.deepEqual(parseDatasetFile('{"input":"hi"}\n', 'jsonl').scorers, []);
  });

  it('names a bad scorer by its number and field, beside bad cases', () => {
    const text =
      'cases:\n  - { input: hi, tagz: [x] }\nscorers:\n  - { type: contains }\n  - { type: maxSteps, max: 0 }\n';
    assert.throws(
      () => parseDatasetFile(text, 'yaml', 'd.yaml'),
      (err: Error) => /^d\.yaml: case 1: .*tagz.*; scorer 2: max: /.test(err.message),
    );
    assert.throws(
      () => parseDatasetFile('cases: [{ input: hi }]\nscorers: contains\n', 'yaml', 'd.yaml'),
      /scorers: expected a list/,
    );
  });
});
