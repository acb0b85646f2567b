/**
 * Starting an eval and reading its progress and result: the input is validated with the workflow's own schema
 * before anything reaches Temporal, so a bad dataset or scorer list is a clear client error, never a failed run.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import {
  EVAL_WORKFLOW_TYPE,
  evalInputSchema,
  evalStateQuery,
  type EvalInput,
  type EvalResult,
  type EvalState,
} from '../contracts/evals/contract';
import { issueLines } from '../contracts/zod-issues';
import { InvalidRunInputError } from './errors';
import { assertWithinPayloadLimit } from './payload-limit';

/** Options of `startEval`. */
export interface StartEvalOptions {
  /** Workflow id (default: `eval-<name>-<8 hex digits>`); each case runs as `<id>--<case id>`. */
  id?: string;
  /** Task queue of the workers (default: the client's). */
  taskQueue?: string;
}

/** A started eval. */
export interface StartedEval {
  workflowId: string;
  runId: string;
  taskQueue: string;
  name: string;
  cases: number;
}

/** Validates an eval's input and starts `evalWorkflow`; throws InvalidRunInputError naming every problem. */
export async function startEvalRun(
  client: Client,
  defaultTaskQueue: string,
  input: EvalInput,
  options: StartEvalOptions = {},
): Promise<StartedEval> {
  const parsed = evalInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidRunInputError(
      `invalid eval: ${issueLines(parsed.error.issues, { root: '(eval)' }).slice(0, 20).join('; ')}`,
    );
  }
  const taskQueue = options.taskQueue ?? defaultTaskQueue;
  const safeName = parsed.data.name.replace(/[^a-zA-Z0-9_.-]+/g, '-').slice(0, 60);
  const workflowId = options.id ?? `eval-${safeName}-${randomBytes(4).toString('hex')}`;
  const args = [parsed.data];
  assertWithinPayloadLimit(args, 'the eval input');
  const handle = await client.workflow.start(EVAL_WORKFLOW_TYPE, { taskQueue, workflowId, args });
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    taskQueue,
    name: parsed.data.name,
    cases: parsed.data.cases.length,
  };
}

/** The eval's `state` query: progress so far. */
export function evalStateOf(client: Client, workflowId: string): Promise<EvalState> {
  return client.workflow.getHandle(workflowId).query(evalStateQuery);
}

/** Waits for the eval's result. */
export function evalResultOf(client: Client, workflowId: string): Promise<EvalResult> {
  return client.workflow.getHandle(workflowId).result() as Promise<EvalResult>;
}
