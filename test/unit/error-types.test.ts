/**
 * Every failure `type` the code throws comes from the one ErrorType registry: a literal written in place would
 * be a type the workflow, the CLI and the docs do not know about.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SRC, sourceFiles } from '../helpers/source-files';
import { ErrorType, nonRetryableErrorTypes } from '../../src/contracts/errors';

/** The expression given as a failure's type at each place a failure is made, with its file and line. */
function failureTypeSites(): { where: string; expression: string }[] {
  const patterns = [
    // ApplicationFailure.create({ …, type: X, … }) and ApplicationFailure.create({ type: X, … })
    /ApplicationFailure\.create\(\{[^}]*?\btype:\s*([^,}\n]+)/g,
    // ApplicationFailure.retryable(message, X) / .nonRetryable(message, X)
    /ApplicationFailure\.(?:retryable|nonRetryable)\([^,]+,\s*([^,)\n]+)/g,
    // new ToolError(X, …), converted to an ApplicationFailure of that type
    /new ToolError\(\s*([^,\n]+)/g,
    // Refusals computed first and thrown later as { type, message } (the approval validator's problems)
    /\{\s*type:\s*('[^']*'|ErrorType\.\w+),\s*message:/g,
  ];
  return sourceFiles(SRC).flatMap((file) => {
    const text = fs.readFileSync(file, 'utf8');
    return patterns.flatMap((pattern) =>
      [...text.matchAll(pattern)].map((m) => ({
        where: `${path.relative(SRC, file)}:${text.slice(0, m.index).split('\n').length}`,
        expression: (m[1] as string).trim(),
      })),
    );
  });
}

describe('ErrorType registry', () => {
  const registered = new Set<string>(Object.values(ErrorType));
  const sites = failureTypeSites();

  it('finds the places failures are made (so the scan below is looking at something)', () => {
    assert.ok(sites.length >= 40, `only ${sites.length} failure sites found; has the scan's pattern gone stale?`);
  });

  it('has no failure type written as a string literal that the registry lacks', () => {
    const strays = sites.filter(
      (s) => /^['"`]/.test(s.expression) && !registered.has(s.expression.replace(/^['"`]|['"`]$/g, '')),
    );
    assert.deepEqual(strays, []);
  });

  it('writes every failure type through the registry, never as a bare string', () => {
    const literals = sites.filter((s) => /^['"`]/.test(s.expression));
    assert.deepEqual(literals, []);
  });

  it('names only registered members where it writes ErrorType.X', () => {
    const unknown = sites.filter((s) => {
      const member = /^ErrorType\.(\w+)$/.exec(s.expression)?.[1];
      return member !== undefined && !(member in ErrorType);
    });
    assert.deepEqual(unknown, []);
  });

  it('keeps each value equal to its name and unique (histories and the CLI match on these strings)', () => {
    for (const [name, value] of Object.entries(ErrorType)) assert.equal(value, name);
    assert.equal(registered.size, Object.keys(ErrorType).length);
    for (const type of nonRetryableErrorTypes) assert.ok(registered.has(type));
  });
});
