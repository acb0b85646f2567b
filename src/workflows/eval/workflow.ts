/**
 * `evalWorkflow`: runs every case of a dataset through an agent or a graph, each case a child run, at most
 * `concurrency` at once, then scores each in an activity (judge scorers ask their model through the model
 * activities first). Progress is in the `state` query; the result holds one bounded row per case and a summary.
 */
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import {
  evalInputSchema,
  evalStateQuery,
  mean,
  summarize,
  type EvalCaseResult,
  type EvalInput,
  type EvalResult,
  type EvalState,
  type ValidEvalInput,
} from '../../contracts/evals/contract';
import { ErrorType } from '../../contracts/errors';
import { issueLines } from '../../contracts/zod-issues';
import { runCase } from './case-run';
import { scoreCase } from './scoring';

/** Finished cases the `state` query lists (the result has them all). */
const RECENT_CASES = 20;

function validInput(raw: unknown): ValidEvalInput {
  const parsed = evalInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidEvalInput,
      message: `invalid eval input: ${issueLines(parsed.error.issues, { root: '(input)' }).slice(0, 20).join('; ')}`,
      nonRetryable: true,
    });
  }
  return parsed.data;
}

function targetOf(input: ValidEvalInput): EvalResult['target'] {
  if (input.target.kind === 'agent') {
    return { kind: 'agent', name: input.target.agent.agent, model: input.target.agent.model };
  }
  const name = (input.target.spec as { name?: unknown }).name;
  return { kind: 'graph', name: typeof name === 'string' ? name : 'graph' };
}

export async function evalWorkflow(rawInput: EvalInput): Promise<EvalResult> {
  const input = validInput(rawInput);
  const results: (EvalCaseResult | undefined)[] = new Array(input.cases.length);
  const running = new Set<string>();
  const state: EvalState = {
    workflowType: 'evalWorkflow',
    name: input.name,
    status: 'running',
    total: input.cases.length,
    done: 0,
    running: [],
    maxRunning: 0,
    passed: 0,
    costUsd: 0,
    judgeCostUsd: 0,
    meanScore: 0,
    recent: [],
  };
  const finished: EvalCaseResult[] = [];
  setHandler(evalStateQuery, () => ({ ...state, running: [...running] }));

  let next = 0;
  // A fixed pool of lanes, each taking the next case when its own is done: never more than `concurrency` child
  // runs at once, and the order cases start in is the dataset's (deterministic, so it replays).
  async function lane(): Promise<void> {
    while (next < input.cases.length) {
      const index = next++;
      const testCase = input.cases[index]!;
      running.add(testCase.id);
      state.maxRunning = Math.max(state.maxRunning, running.size);
      const run = await runCase(input, testCase);
      const scored = await scoreCase(input, testCase, run);
      running.delete(testCase.id);
      results[index] = scored;
      finished.push(scored);
      state.done += 1;
      state.passed += scored.pass ? 1 : 0;
      state.costUsd += scored.costUsd;
      state.judgeCostUsd += scored.judgeCostUsd;
      state.meanScore = mean(finished.map((r) => r.score));
      state.recent = [
        ...state.recent,
        {
          id: scored.id,
          workflowId: scored.workflowId,
          status: scored.status,
          score: scored.score,
          pass: scored.pass,
          costUsd: scored.costUsd,
        },
      ].slice(-RECENT_CASES);
      log.info('eval case scored', { case: scored.id, score: scored.score, pass: scored.pass });
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.min(input.concurrency, input.cases.length) }, () => lane()));
  } catch (err) {
    state.status = 'failed';
    throw err;
  }
  state.status = 'completed';
  const all = results as EvalCaseResult[];
  return { name: input.name, target: targetOf(input), results: all, summary: summarize(all) };
}
