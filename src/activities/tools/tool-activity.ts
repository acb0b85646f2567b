/**
 * The one wrapper every tool activity goes through: parse the model's JSON arguments, validate them with the
 * tool's zod schema, run the tool, log the outcome and turn failures into typed `ApplicationFailure`s. Tool files
 * therefore hold only their own job and report expected failures by throwing a plain {@link ToolError}.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { z } from 'zod';
import { DurableAgentsError, ErrorType } from '../../contracts/errors';
import type { ToolCallInput, ToolCallOutput, ToolSpec } from '../../contracts/tool-specs';
import { annotateToolCall, annotateToolOutcome } from '../../telemetry/genai';
import { describeIssues } from '../../contracts/zod-issues';

/** A tool activity as the worker registers it. */
export type ToolActivity = (input: ToolCallInput) => Promise<ToolCallOutput>;

/** Failure types a tool may report itself; argument errors are the wrapper's business. */
export type ToolErrorType =
  typeof ErrorType.ToolFailed | typeof ErrorType.ToolPermissionDenied | typeof ErrorType.ToolTimedOut;

/**
 * An expected failure of a tool (missing file, division by zero, a path outside the workspace). It carries no
 * Temporal types so the pure parts of a tool can be tested on their own; the wrapper converts it to an
 * `ApplicationFailure` whose message the model reads.
 */
export class ToolError extends DurableAgentsError {
  readonly type: ToolErrorType;
  readonly nonRetryable: boolean;

  constructor(type: ToolErrorType, message: string, options?: { nonRetryable?: boolean; cause?: unknown }) {
    super(message, options);
    this.type = type;
    // Permission refusals and most tool failures are facts about the input; only I/O hiccups deserve a retry.
    this.nonRetryable = options?.nonRetryable ?? true;
  }
}

function invalidArguments(spec: ToolSpec, detail: string, cause?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.ToolArgumentsInvalid,
    message: `${spec.name}: ${detail}`,
    nonRetryable: true,
    cause: cause instanceof Error ? cause : undefined,
  });
}

/**
 * Parses and validates the raw argument text of a tool call. Throws a non-retryable `ToolArgumentsInvalid`
 * failure naming the bad field, so the model can correct its call.
 */
export function parseToolArguments<S extends z.ZodType>(spec: ToolSpec<S>, raw: string): z.output<S> {
  // Some models send an empty string for a call without arguments; that means "no arguments", not bad JSON.
  const text = raw.trim() === '' ? '{}' : raw;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidArguments(spec, `arguments are not valid JSON (${(err as Error).message})`, err);
  }
  const parsed = spec.schema.safeParse(json);
  if (!parsed.success) throw invalidArguments(spec, describeIssues(parsed.error.issues, { root: '(arguments)' }));
  return parsed.data;
}

function toApplicationFailure(spec: ToolSpec, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ToolError) {
    return ApplicationFailure.create({
      type: err.type,
      message: `${spec.name}: ${err.message}`,
      nonRetryable: err.nonRetryable,
      cause: err.cause instanceof Error ? err.cause : undefined,
    });
  }
  // Anything unforeseen (EIO, EMFILE, a bug) stays retryable: the retry policy's attempt limit bounds it.
  const error = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({
    type: ErrorType.ToolFailed,
    message: `${spec.name}: ${error.message}`,
    nonRetryable: false,
    cause: error,
  });
}

/**
 * Builds the activity for a tool: `run` receives validated arguments and returns the text the model reads.
 */
export function defineToolActivity<S extends z.ZodType>(
  spec: ToolSpec<S>,
  run: (args: z.output<S>, input: ToolCallInput) => Promise<string> | string,
): ToolActivity {
  return async (input) => {
    const started = Date.now();
    const meta = { tool: spec.name, toolCallId: input.toolCallId };
    annotateToolCall({ name: spec.name, callId: input.toolCallId });
    try {
      const args = parseToolArguments(spec, input.arguments);
      const content = await run(args, input);
      log.info('tool call completed', { ...meta, durationMs: Date.now() - started, outputChars: content.length });
      annotateToolOutcome({ ok: true });
      return { content };
    } catch (err) {
      const failure = toApplicationFailure(spec, err);
      annotateToolOutcome({ ok: false, type: failure.type });
      log.warn('tool call failed', {
        ...meta,
        durationMs: Date.now() - started,
        type: failure.type,
        nonRetryable: failure.nonRetryable,
        error: failure.message,
      });
      throw failure;
    }
  };
}
