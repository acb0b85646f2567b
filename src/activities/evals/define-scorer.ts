/**
 * `defineScorer`: a user's own scorer, registered on the worker like a `defineTool` tool and named by evals as
 * `{ type: custom, scorer: <name>, options }`. Its options are validated with its zod schema before it runs, so a
 * typo in an eval's scorer list is a clear score of 0 naming the field, never a crash.
 */
import type { z } from 'zod';
import type { CaseRunFacts } from '../../contracts/evals/scorers';

/** What a scorer sees of a case besides its run: the case's input, expected answer and metadata. */
export interface ScorerCase {
  input: unknown;
  expected: unknown;
  metadata: Record<string, unknown>;
}

/** A scorer's verdict: a score from 0 to 1, and optionally pass (default: score >= 0.5) and a reason. */
export interface ScorerVerdict {
  score: number;
  pass?: boolean;
  reason?: string;
}

export interface ScorerConfig<S extends z.ZodType> {
  /** The name evals give as `scorer`: letters, digits, `_` and `-`. */
  name: string;
  description?: string;
  /** Schema of the options an eval passes; default: none expected. */
  options?: S;
  score(run: CaseRunFacts, testCase: ScorerCase, options: z.output<S>): Promise<ScorerVerdict> | ScorerVerdict;
}

export interface DefinedScorer {
  name: string;
  description: string;
  options?: z.ZodType;
  score(run: CaseRunFacts, testCase: ScorerCase, options: unknown): Promise<ScorerVerdict> | ScorerVerdict;
}

const scorerNamePattern = /^[a-zA-Z][a-zA-Z0-9_-]{0,99}$/;

/** Turns a typed function into a scorer evals can name; register it with `createAgentWorker({ scorers })`. */
export function defineScorer<S extends z.ZodType>(config: ScorerConfig<S>): DefinedScorer {
  if (!scorerNamePattern.test(config.name)) {
    throw new Error(`defineScorer: invalid scorer name "${config.name}" (letters, digits, _ and -, at most 100)`);
  }
  return {
    name: config.name,
    description: config.description ?? '',
    ...(config.options ? { options: config.options } : {}),
    score: (run, testCase, options) => config.score(run, testCase, options as z.output<S>),
  };
}
