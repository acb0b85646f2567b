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

/**
 * Every problem of a spec's failed parse, each as `field.path: message` (`(spec)` for the document itself), the
 * wording graph and agent specs share. A union (an edge is a node id, rules or a router) says only "Invalid
 * input"; the one branch with no complaint about its root (wrong type, unknown keys) is the one the author
 * meant, so its issues are reported instead, with their full paths.
 */
export function specProblems(error: z.ZodError): string[] {
  return error.issues.flatMap((i) => specIssueLines(i, []));
}

function specIssueLines(issue: z.core.$ZodIssue, prefix: PropertyKey[]): string[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const meant = issue.errors.filter((branch) => branch.every((i) => i.path.length > 0));
    if (meant.length === 1) return meant[0]!.flatMap((i) => specIssueLines(i, path));
  }
  return [`${path.map(String).join('.') || '(spec)'}: ${issue.message}`];
}
