/**
 * Scripted scenarios for the mock LLM server. A scenario is a list of turns; the turn played is the number
 * of assistant messages in the request, so the server holds no conversation state and retries, replays and
 * concurrent runs all get the same answer for the same point in a conversation.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { issueLines } from '../../contracts/zod-issues';

const faultSchema = z.union([
  z.object({ hang: z.literal(true) }).strict(),
  /** This attempt answers normally, but only after the delay: a reply slower than the caller's timeout. */
  z.object({ delayMs: z.number().int().positive() }).strict(),
  /**
   * A streamed reply (`stream: true`) that sends this many characters of the turn's text and then drops the
   * connection: a provider failing mid-answer. A non-streamed request gets a 503 instead.
   */
  z.object({ breakAfterChars: z.number().int().nonnegative() }).strict(),
  z
    .object({
      status: z.literal(429),
      retryAfterSeconds: z.number().nonnegative().optional(),
      retryAfterMs: z.number().nonnegative().optional(),
      message: z.string().optional(),
    })
    .strict(),
  z
    .object({
      status: z.union([
        z.literal(400),
        z.literal(401),
        z.literal(403),
        z.literal(404),
        z.literal(500),
        z.literal(503),
        z.literal(529),
      ]),
      message: z.string().optional(),
      /** Provider error code, e.g. `context_length_exceeded` or `content_filter`. */
      code: z.string().optional(),
    })
    .strict(),
]);
export type Fault = z.infer<typeof faultSchema>;

const toolCallSchema = z
  .object({
    id: z.string().optional(),
    name: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).optional(),
    /** Sent verbatim instead of `arguments`, so a test can play malformed JSON. */
    rawArguments: z.string().optional(),
  })
  .strict();

const turnSchema = z
  .object({
    text: z.string().optional(),
    toolCalls: z.array(toolCallSchema).optional(),
    /** Reported usage; by default estimated from the request and reply sizes (4 characters a token). */
    usage: z
      .object({
        input: z.number().int().nonnegative(),
        output: z.number().int().nonnegative(),
        cached: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    delayMs: z.number().int().nonnegative().optional(),
    /** A streamed reply waits this long between chunks, so a test can watch the text arrive. */
    chunkDelayMs: z.number().int().nonnegative().max(10_000).optional(),
    /** Played one per attempt before the turn succeeds: attempt 1 gets faults[0], attempt 2 faults[1], and so on. */
    faults: z.array(faultSchema).optional(),
    /** When set, `faults[0]` is played on every attempt: a permanent failure. */
    alwaysFail: z.boolean().optional(),
    /** Plays this turn so many times in a row (a long tool loop in one line); each copy is its own turn. */
    repeat: z.number().int().min(1).max(10000).optional(),
  })
  .strict()
  .refine((t) => t.text !== undefined || (t.toolCalls?.length ?? 0) > 0, { message: 'a turn needs text or toolCalls' });
export type Turn = z.infer<typeof turnSchema>;

/** Expands `repeat`, so the server sees a flat list of turns and numbers each copy as a turn of its own. */
function expandRepeats(turns: Turn[]): Turn[] {
  return turns.flatMap(({ repeat, ...turn }) => Array.from({ length: repeat ?? 1 }, () => ({ ...turn })));
}

const turnsSchema = z.array(turnSchema).min(1).transform(expandRepeats);

const caseSchema = z
  .object({
    /**
     * The case plays when the conversation's opening (system prompt and first user message; with `in: input`, the
     * first user message alone) contains this text, or any of these texts; `ignoreCase` compares without regard
     * to case. A case without `when` plays for any conversation no earlier case took: put it last, as the default.
     */
    when: z
      .object({
        contains: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
        ignoreCase: z.boolean().optional(),
        in: z.enum(['opening', 'input']).optional(),
      })
      .strict()
      .optional(),
    turns: turnsSchema,
  })
  .strict();
export type ScenarioCase = z.infer<typeof caseSchema>;

/** What a case's `when` looks at: the conversation's opening, and its first user message alone. */
export interface ConversationStart {
  opening: string;
  input: string;
}

/** True when a case plays for a conversation that starts this way (see the case's `when`). */
export function caseMatches(scenarioCase: ScenarioCase, start: ConversationStart): boolean {
  const when = scenarioCase.when;
  if (!when) return true;
  const fold = (text: string): string => (when.ignoreCase ? text.toLowerCase() : text);
  const haystack = fold(when.in === 'input' ? start.input : start.opening);
  return [when.contains].flat().some((needle) => haystack.includes(fold(needle)));
}

/** How a case is named in the request log: its `contains` text (several joined with `|`), or `(default)`. */
export function caseLabel(scenarioCase: ScenarioCase): string {
  return scenarioCase.when ? [scenarioCase.when.contains].flat().join('|') : '(default)';
}

/**
 * Either one list of turns, or cases chosen by what the conversation opens with: a graph run holds many
 * separate conversations (each agent, each router call), and cases give each its own script.
 */
export const scenarioSchema = z
  .object({
    description: z.string().optional(),
    /**
     * How the turn to play is picked: by the number of assistant messages in the request (the default), or in
     * order, one per successful reply (per case), for conversations a client rewrites (context management).
     */
    turnOrder: z.enum(['assistant-messages', 'sequence']).optional(),
    turns: turnsSchema.optional(),
    cases: z.array(caseSchema).min(1).optional(),
  })
  .strict()
  .refine((s) => Boolean(s.turns) !== Boolean(s.cases), { message: 'give either turns or cases' })
  .refine((s) => (s.cases ?? []).every((c, i, all) => c.when || i === all.length - 1), {
    message: 'only the last case may leave out when (it is the default)',
    path: ['cases'],
  });
export type Scenario = z.infer<typeof scenarioSchema>;

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export function parseScenario(raw: unknown, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = issueLines(parsed.error.issues, { root: '(root)' });
    throw new ScenarioError(`invalid mock scenario ${source}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Loads every `*.yaml`, `*.yml` and `*.json` file in a folder; the file name (without extension) names the scenario. */
export function loadScenarioDir(dir: string): Record<string, Scenario> {
  const scenarios: Record<string, Scenario> = {};
  if (!fs.existsSync(dir)) return scenarios;
  for (const file of fs.readdirSync(dir).sort()) {
    const ext = path.extname(file);
    if (!['.yaml', '.yml', '.json'].includes(ext)) continue;
    const full = path.join(dir, file);
    const text = fs.readFileSync(full, 'utf8');
    let raw: unknown;
    try {
      raw = ext === '.json' ? JSON.parse(text) : YAML.parse(text);
    } catch (err) {
      throw new ScenarioError(`invalid mock scenario ${full}: ${(err as Error).message}`);
    }
    scenarios[path.basename(file, ext)] = parseScenario(raw, full);
  }
  return scenarios;
}
