/**
 * Scoring one case: each judge scorer asks its model (the `callModel` activity, so the call is retried, rate
 * limited and recorded like any model call, and its cost is the judge's, apart from the agent's), then one
 * `scoreEvalCase` activity runs every scorer on what the run did and the judges' replies.
 */
import { isCancellation, log } from '@temporalio/workflow';
import type { EvalCaseResult, ScoreCaseInput, ValidEvalInput } from '../../contracts/evals/contract';
import { judgePrompt, judgeVerdictJsonSchema } from '../../contracts/evals/scorers';
import { boundedText } from '../../contracts/bounded-text';
import { costOf, priceFor } from '../../contracts/pricing';
import { callModelActivity, scoreEvalCaseActivity } from '../kernel/activities';
import type { CaseRun } from './case-run';

type EvalCase = ValidEvalInput['cases'][number];

/** Characters of all the case rows' answers together in the result, kept well under Temporal's 2 MB payload. */
const RESULT_OUTPUT_CHARS = 800_000;
/** Characters of one score's reason in the result. */
const REASON_CHARS = 500;

async function judgeReplies(
  input: ValidEvalInput,
  testCase: EvalCase,
  run: CaseRun,
): Promise<ScoreCaseInput['judgeReplies']> {
  const replies: ScoreCaseInput['judgeReplies'] = {};
  for (const [i, spec] of input.scorers.entries()) {
    if (spec.type !== 'judge') continue;
    const model = (spec.model ?? input.judge) as string;
    const prompt = judgePrompt(spec.rubric, testCase.input, testCase.expected, run.facts);
    try {
      const response = await callModelActivity(
        {
          model,
          system: prompt.system,
          messages: [{ role: 'user', content: prompt.user }],
          tools: [],
          outputSchema: judgeVerdictJsonSchema,
          maxOutputTokens: 1_000,
          temperature: 0,
        },
        `judge ${model} · case ${testCase.id}`,
        // A judge that stays down costs the case its judge score, not the eval its run.
        { maximumAttempts: 5 },
      );
      const price = response.price ?? priceFor(model);
      replies[i] = { reply: response.message.content, costUsd: price ? costOf(response.usage, price) : 0 };
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('judge call failed', { case: testCase.id, model, error: (err as Error).message });
      replies[i] = { reply: `(the judge call failed: ${(err as Error).message})`, costUsd: 0 };
    }
  }
  return replies;
}

/** Scores a case's run and makes its result row (answer and reasons bounded). */
export async function scoreCase(input: ValidEvalInput, testCase: EvalCase, run: CaseRun): Promise<EvalCaseResult> {
  const scores = await scoreEvalCaseActivity(
    {
      caseInput: testCase.input,
      expected: testCase.expected,
      metadata: testCase.metadata,
      facts: run.facts,
      scorers: input.scorers,
      judgeReplies: await judgeReplies(input, testCase, run),
    },
    `score case ${testCase.id}`,
  );
  const outputChars = Math.max(200, Math.min(4_000, Math.floor(RESULT_OUTPUT_CHARS / input.cases.length)));
  const bounded = scores.map((s) => ({ ...s, reason: boundedText(s.reason, REASON_CHARS) }));
  return {
    id: testCase.id,
    tags: testCase.tags,
    workflowId: run.workflowId,
    status: run.facts.status,
    output: boundedText(run.facts.output, outputChars),
    ...(run.facts.error ? { error: run.facts.error } : {}),
    scores: bounded,
    score: bounded.length ? bounded.reduce((a, s) => a + s.score, 0) / bounded.length : 0,
    // A run that failed does not pass, whatever its partial answer scored.
    pass: run.facts.status === 'completed' && bounded.every((s) => s.pass),
    costUsd: run.facts.costUsd,
    judgeCostUsd: bounded.reduce((a, s) => a + (s.judgeCostUsd ?? 0), 0),
    tokens: run.tokens,
    steps: run.facts.steps,
    toolCalls: run.toolCallCount,
    latencyMs: run.facts.latencyMs,
  };
}
