/**
 * The `scoreEvalCase` activity: scores one case with every scorer of the eval. Built-in scorers are pure
 * (contracts/evals/scorers.ts); the judge's verdicts arrive as replies the workflow got from the model
 * activities; custom scorers are the worker's `defineScorer` ones. A scorer that throws, or is unknown, scores 0
 * with the reason, so one bad scorer never fails the eval.
 */
import { log } from '@temporalio/activity';
import type { ScoreCaseInput } from '../../contracts/evals/contract';
import { scoreFromJudgeReply, scorerLabel, scoreWithBuiltin, type Score } from '../../contracts/evals/scorers';
import { issueLines } from '../../contracts/zod-issues';
import type { DefinedScorer } from './define-scorer';

export function createEvalActivities(deps: { scorers?: DefinedScorer[] }) {
  const registry = new Map<string, DefinedScorer>();
  for (const scorer of deps.scorers ?? []) {
    if (registry.has(scorer.name)) throw new Error(`two scorers are named "${scorer.name}"`);
    registry.set(scorer.name, scorer);
  }

  async function custom(spec: Extract<ScoreCaseInput['scorers'][number], { type: 'custom' }>, input: ScoreCaseInput) {
    const failed = (reason: string): Score => ({
      scorer: scorerLabel(spec),
      type: 'custom',
      score: 0,
      pass: false,
      reason,
    });
    const scorer = registry.get(spec.scorer);
    if (!scorer) {
      const known = [...registry.keys()].sort().join(', ') || 'none';
      return failed(`unknown scorer "${spec.scorer}"; this worker has: ${known}`);
    }
    let options: unknown = spec.options;
    if (scorer.options) {
      const parsed = scorer.options.safeParse(spec.options);
      if (!parsed.success) return failed(`invalid options: ${issueLines(parsed.error.issues).join('; ')}`);
      options = parsed.data;
    }
    try {
      const v = await scorer.score(
        input.facts,
        { input: input.caseInput, expected: input.expected, metadata: input.metadata },
        options,
      );
      if (typeof v?.score !== 'number' || !Number.isFinite(v.score) || v.score < 0 || v.score > 1) {
        return failed(`the scorer returned ${JSON.stringify(v?.score)}, not a score from 0 to 1`);
      }
      return {
        scorer: scorerLabel(spec),
        type: 'custom' as const,
        score: v.score,
        pass: v.pass ?? v.score >= 0.5,
        reason: (v.reason ?? '').slice(0, 2000),
      };
    } catch (err) {
      log.warn('custom scorer threw', { scorer: spec.scorer, error: (err as Error).message });
      return failed(`the scorer threw: ${(err as Error).message}`);
    }
  }

  return {
    async scoreEvalCase(input: ScoreCaseInput): Promise<Score[]> {
      const scores: Score[] = [];
      for (const [i, spec] of input.scorers.entries()) {
        if (spec.type === 'judge') {
          const reply = input.judgeReplies[i];
          scores.push(
            reply
              ? scoreFromJudgeReply(spec, reply.reply, reply.costUsd)
              : { scorer: scorerLabel(spec), type: 'judge', score: 0, pass: false, reason: 'the judge gave no reply' },
          );
        } else if (spec.type === 'custom') {
          scores.push(await custom(spec, input));
        } else {
          try {
            scores.push(scoreWithBuiltin(spec, input.facts, input.expected));
          } catch (err) {
            // An invalid regular expression in the eval's own spec, for instance.
            scores.push({
              scorer: scorerLabel(spec),
              type: spec.type,
              score: 0,
              pass: false,
              reason: (err as Error).message,
            });
          }
        }
      }
      return scores;
    },
  };
}

export type EvalActivities = ReturnType<typeof createEvalActivities>;
