/** The shared pure helpers: truncating text and describing zod issues. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { truncate } from '../../src/contracts/text';
import { describeIssues, issueLines } from '../../src/contracts/zod-issues';

describe('truncate', () => {
  it('keeps text that fits and marks a cut with an ellipsis counted in the limit', () => {
    assert.equal(truncate('abc', 3), 'abc');
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('abcdef', 4).length, 4);
  });
  it('has no room for an ellipsis at a limit of one or less', () => {
    assert.equal(truncate('abcdef', 1), 'a');
    assert.equal(truncate('abcdef', 0), '');
  });
});

describe('describeIssues', () => {
  const schema = z.object({ a: z.object({ b: z.number() }), list: z.array(z.string()) });
  const issues = (value: unknown) => {
    const parsed = schema.safeParse(value);
    assert.equal(parsed.success, false);
    return parsed.error?.issues ?? [];
  };

  it('names each bad field by its path, array indexes included', () => {
    const lines = issueLines(issues({ a: { b: 'x' }, list: [1] }));
    assert.equal(lines.length, 2);
    assert.match(lines[0] as string, /^a\.b: /);
    assert.match(lines[1] as string, /^list\.0: /);
  });
  it('labels an issue about the whole value with the root label, or gives its message alone', () => {
    assert.match(describeIssues(issues('nope'), { root: '(input)' }), /^\(input\): /);
    assert.doesNotMatch(describeIssues(issues('nope')), /^[^:]*\(|^: /);
  });
  it('puts the prefix before every path and joins issues with "; "', () => {
    const text = describeIssues(issues({ a: {}, list: 'x' }), { prefix: 'budget.' });
    assert.match(text, /^budget\.a\.b: .*; budget\.list: /);
  });
});
