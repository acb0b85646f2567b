/**
 * Zod issues as text a person can act on: one `path: message` per issue, so every error names the field it is
 * about. Pure, so workflow code (input validation, update validators) uses the same wording as the worker.
 */
import type { z } from 'zod';

export interface IssueFormat {
  /** What an issue about the whole value is labelled, e.g. `(input)`; without one it is its message alone. */
  root?: string;
  /** Put before every path, e.g. `budget.` when the parsed value sits under that field of something larger. */
  prefix?: string;
}

/** One line per issue: `a.b.0: message`. */
export function issueLines(issues: readonly z.core.$ZodIssue[], format: IssueFormat = {}): string[] {
  return issues.map((issue) => {
    const where = issue.path.map(String).join('.');
    if (where) return `${format.prefix ?? ''}${where}: ${issue.message}`;
    return format.root === undefined ? issue.message : `${format.root}: ${issue.message}`;
  });
}

/** The issues on one line, separated by `; `. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], format: IssueFormat = {}): string {
  return issueLines(issues, format).join('; ');
}
