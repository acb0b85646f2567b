/**
 * Validation of a model's final answer against the output JSON schema the agent declares. Pure, so the
 * workflow runs it directly and a retry prompt is a recorded decision, not a side effect.
 */
import { z } from 'zod';
import { issueLines } from './zod-issues';

export type OutputCheck = { ok: true; value: unknown } | { ok: false; problem: string };

/** Models often wrap JSON in a markdown fence; accept that, nothing looser. */
function stripFence(text: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return m?.[1] ?? text;
}

export function checkStructuredOutput(text: string, schema: Record<string, unknown>): OutputCheck {
  let value: unknown;
  try {
    value = JSON.parse(stripFence(text));
  } catch (err) {
    return { ok: false, problem: `the answer is not valid JSON (${(err as Error).message})` };
  }
  const validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  const result = validator.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const problems = issueLines(result.error.issues, { root: '(root)' });
  return { ok: false, problem: `the answer does not match the output schema: ${problems.join('; ')}` };
}
