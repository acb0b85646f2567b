/**
 * How a zod refusal of a spec reads: one `path: message` line per problem, e.g.
 * `nodes.review.next: unknown node "x"`. Graph and agent specs share it, so both name bad fields the same way.
 */
import type { z } from 'zod';

/** Every problem of a failed parse, each as `field.path: message` (`(spec)` for the document itself). */
export function zodProblems(error: z.ZodError): string[] {
  return error.issues.flatMap((i) => describeIssue(i, []));
}

/**
 * One issue as `path: message` lines. A union (an edge is a node id, rules or a router) says only "Invalid input";
 * the one branch with no complaint about its root (wrong type, unknown keys) is the one the author meant, so its
 * issues are reported instead, with their full paths.
 */
function describeIssue(issue: z.core.$ZodIssue, prefix: PropertyKey[]): string[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const meant = issue.errors.filter((branch) => branch.every((i) => i.path.length > 0));
    if (meant.length === 1) return meant[0]!.flatMap((i) => describeIssue(i, path));
  }
  return [`${path.map(String).join('.') || '(spec)'}: ${issue.message}`];
}
