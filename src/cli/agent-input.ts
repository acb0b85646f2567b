/**
 * Reads `agentctl start --input`: plain text,
 * or JSON (a JSON string, or an object whose `input`, `topic` or `question` field is the request).
 */
import { z } from 'zod';
import { UserError } from '../contracts/errors';

const requestFields = ['input', 'topic', 'question'] as const;

const jsonRequestSchema = z
  .object({
    input: z.string().min(1).optional(),
    topic: z.string().min(1).optional(),
    question: z.string().min(1).optional(),
  })
  .strict()
  .refine((o) => requestFields.some((f) => o[f] !== undefined), {
    message: 'the object needs an "input", "topic" or "question" string',
  });

/** Text that starts like a JSON document is read as JSON, so a typo in it is reported instead of sent to the model. */
const looksLikeJson = (text: string): boolean => /^[[{"]/.test(text);

/** The user's request from `--input`; throws a UserError naming the problem when it is malformed. */
export function userRequestFrom(raw: string): string {
  const text = raw.trim();
  if (!text) throw new UserError('--input is empty');
  if (!looksLikeJson(text)) return text;

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`--input is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value === 'string') {
    if (!value.trim()) throw new UserError('--input is an empty JSON string');
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError('--input JSON must be a string or an object with an "input", "topic" or "question" string');
  }
  const parsed = jsonRequestSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new UserError(`--input JSON is not usable: ${problems.join('; ')}`);
  }
  const { input, topic, question } = parsed.data;
  return (input ?? topic ?? question) as string;
}
