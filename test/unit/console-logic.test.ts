/**
 * The console's pure pieces, without a browser: live drafts from token events (a retry's attempt replaces the
 * text, a stale attempt's piece is ignored, a late joiner's text-so-far is taken whole) and the check of edited
 * tool arguments against the tool's JSON schema before a decision is sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyToken, type LiveDraft, type TokenData } from '../../src/console/live-drafts';
import { checkAgainstSchema } from '../../src/console/schema-check';

const call = { callId: 'act-1', model: 'mock:streaming' };
const play = (events: [string, Partial<TokenData>][]): LiveDraft[] =>
  events.reduce<LiveDraft[]>((d, [type, data]) => applyToken(d, type, { ...call, attempt: 1, ...data }), []);

describe('console live drafts', () => {
  it('appends pieces at their offsets and marks the end', () => {
    const drafts = play([
      ['token.attempt', {}],
      ['token', { offset: 0, text: 'Durable ' }],
      ['token', { offset: 8, text: 'agents' }],
      ['token.end', { outcome: 'finished' }],
    ]);
    assert.deepEqual(drafts, [{ ...call, attempt: 1, text: 'Durable agents', outcome: 'finished' }]);
  });

  it("a new attempt replaces the failed attempt's text, and a late piece of the old attempt is ignored", () => {
    const drafts = play([
      ['token.attempt', {}],
      ['token', { offset: 0, text: 'first try' }],
      ['token.end', { outcome: 'failed' }],
      ['token.attempt', { attempt: 2 }],
      ['token', { attempt: 2, offset: 0, text: 'second' }],
      ['token', { attempt: 1, offset: 9, text: ' stale' }],
    ]);
    assert.deepEqual(drafts, [{ ...call, attempt: 2, text: 'second' }]);
  });

  it("a late joiner's first piece is the text so far, and each call keeps its own draft", () => {
    const drafts = play([
      ['token', { attempt: 3, offset: 0, text: 'so far' }],
      ['token', { attempt: 3, offset: 6, text: ' and on' }],
      ['token', { callId: 'act-2', offset: 0, text: 'other' }],
    ]);
    assert.deepEqual(
      drafts.map((d) => [d.callId, d.attempt, d.text]),
      [
        ['act-1', 3, 'so far and on'],
        ['act-2', 1, 'other'],
      ],
    );
  });
});

describe('console argument check', () => {
  const schema = {
    type: 'object',
    properties: { path: { type: 'string', minLength: 1 }, mode: { enum: ['append', 'replace'] } },
    required: ['path'],
    additionalProperties: false,
  };

  it('accepts arguments that fit', () => {
    assert.deepEqual(checkAgainstSchema({ path: 'a.md', mode: 'append' }, schema), []);
  });

  it('names each problem with where it is', () => {
    assert.deepEqual(checkAgainstSchema({ mode: 'delete', extra: 1 }, schema), [
      'args.path is required',
      'args.mode should be one of "append", "replace"',
      'args.extra is not an argument of this tool',
    ]);
    assert.deepEqual(checkAgainstSchema({ path: 3 }, schema), ['args.path should be string, not integer']);
  });
});
