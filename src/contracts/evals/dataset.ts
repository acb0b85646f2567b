/**
 * Eval datasets: cases of input, expected answer, tags and metadata, read from JSONL (one case a line) or YAML (a
 * list of cases, or `{ cases: [...], scorers: [...] }`). Every case is validated by zod; a problem names the line
 * (JSONL) or the case number (YAML) and the field, so a 500-case file with one typo says exactly where it is.
 */
import YAML from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors';
import { issueLines } from '../zod-issues';
import { scorerSpecSchema, type ScorerSpec } from './scorers';

/** Most cases one eval runs: each is a child run, and every case travels in the eval's input. */
export const MAX_EVAL_CASES = 1000;

export const evalCaseSchema = z
  .object({
    /** A stable name for the case (default: `case-<n>`); it becomes part of the child run's workflow id. */
    id: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/, 'letters, digits, _ . and -, starting with a letter or digit')
      .optional(),
    /** The request: plain text for an agent, text or an object of state fields for a graph. */
    input: z.union([z.string().min(1).max(100_000), z.record(z.string(), z.unknown())]),
    /** What a good answer is; exact, contains and the judge read it when their own options do not say. */
    expected: z.unknown().optional(),
    tags: z.array(z.string().min(1).max(100)).max(50).default([]),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type EvalCaseInput = z.input<typeof evalCaseSchema>;
/** A validated case, its id filled in. */
export type EvalCase = z.output<typeof evalCaseSchema> & { id: string };

export type DatasetFormat = 'jsonl' | 'yaml';

/** The format a file name says: `.jsonl`/`.ndjson` are JSONL, `.yaml`/`.yml`/`.json` are read as YAML (JSON is YAML). */
export function datasetFormatOf(fileName: string): DatasetFormat {
  return /\.(jsonl|ndjson)$/i.test(fileName) ? 'jsonl' : 'yaml';
}

/**
 * Parses a dataset's text. Throws a UserError listing every problem as `<where>: <field>: <message>`, where
 * `<where>` is `line N` in JSONL and `case N` in YAML (1-based), naming `label` (the file) first.
 */
export function parseDataset(text: string, format: DatasetFormat, label = 'dataset'): EvalCase[] {
  return parseDatasetFile(text, format, label).cases;
}

/** A dataset file's cases, and the scorers a YAML dataset of the `{ cases, scorers }` form names (else none). */
export interface Dataset {
  cases: EvalCase[];
  scorers: ScorerSpec[];
}

/**
 * Parses a dataset's text like `parseDataset`, and also its `scorers:` list (YAML `{ cases, scorers }` form), each
 * validated by `scorerSpecSchema`; a problem there is named `scorer N: <field>: <message>`.
 */
export function parseDatasetFile(text: string, format: DatasetFormat, label = 'dataset'): Dataset {
  const raw: { where: string; value: unknown }[] = [];
  const problems: string[] = [];
  let rawScorers: unknown;
  if (format === 'jsonl') {
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim() || line.trimStart().startsWith('//')) return;
      try {
        raw.push({ where: `line ${i + 1}`, value: JSON.parse(line) });
      } catch (err) {
        problems.push(`line ${i + 1}: not valid JSON (${(err as Error).message})`);
      }
    });
  } else {
    let doc: unknown;
    try {
      doc = YAML.parse(text);
    } catch (err) {
      throw new UserError(`${label}: not valid YAML: ${(err as Error).message}`);
    }
    const list = Array.isArray(doc) ? doc : (doc as { cases?: unknown } | null)?.cases;
    if (!Array.isArray(list)) throw new UserError(`${label}: expected a list of cases (or { cases: [...] })`);
    if (!Array.isArray(doc)) rawScorers = (doc as { scorers?: unknown }).scorers;
    list.forEach((value, i) => raw.push({ where: `case ${i + 1}`, value }));
  }
  const cases: EvalCase[] = [];
  const seen = new Map<string, string>();
  raw.forEach(({ where, value }) => {
    const parsed = evalCaseSchema.safeParse(value);
    if (!parsed.success) {
      problems.push(...issueLines(parsed.error.issues, { prefix: `${where}: `, root: where }));
      return;
    }
    const id = parsed.data.id ?? `case-${cases.length + 1}`;
    const earlier = seen.get(id);
    if (earlier) problems.push(`${where}: id: "${id}" is already the id of ${earlier}`);
    seen.set(id, where);
    cases.push({ ...parsed.data, id });
  });
  const scorers: ScorerSpec[] = [];
  if (rawScorers !== undefined && rawScorers !== null) {
    if (!Array.isArray(rawScorers)) problems.push('scorers: expected a list of scorers');
    else
      rawScorers.forEach((value, i) => {
        const parsed = scorerSpecSchema.safeParse(value);
        if (parsed.success) scorers.push(parsed.data);
        else
          problems.push(...issueLines(parsed.error.issues, { prefix: `scorer ${i + 1}: `, root: `scorer ${i + 1}` }));
      });
  }
  if (problems.length) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
    throw new UserError(`${label}: ${shown.join('; ')}${more}`);
  }
  if (cases.length === 0) throw new UserError(`${label}: no cases`);
  if (cases.length > MAX_EVAL_CASES) throw new UserError(`${label}: ${cases.length} cases, at most ${MAX_EVAL_CASES}`);
  return { cases, scorers };
}
