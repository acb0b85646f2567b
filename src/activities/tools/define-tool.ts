/**
 * `defineTool`: the one call that turns a typed function into an agent tool. It yields the activity that
 * runs the tool, the JSON schema the model sees, the tool's retry policy and timeout, and whether a person
 * must approve each call (destructive tools do, unless the definition says otherwise).
 */
import type { z } from 'zod';
import type { ToolDescriptor } from '../../contracts/tool-catalog';
import {
  attemptsFor,
  toolActivityName,
  toolDefinition,
  type SideEffects,
  type ToolCallInput,
  type ToolSpec,
} from '../../contracts/tool-specs';
import { defineToolActivity, type ToolActivity } from './tool-activity';

export interface ToolConfig<S extends z.ZodType> {
  /** The name the model calls: letters, digits, `_` and `-`. */
  name: string;
  description: string;
  /** Arguments schema; the model sees its JSON schema, and every call is validated against it. */
  schema: S;
  sideEffects: SideEffects;
  /** Start-to-close timeout of one attempt (Temporal duration); default 30 s. */
  timeout?: string;
  /**
   * Retry policy of the tool's activity; default 3 attempts. Argument errors are never retried, and a
   * destructive tool gets one attempt unless it sets `passesIdempotencyKey`.
   */
  retry?: { maximumAttempts?: number };
  /**
   * The tool hands `call.idempotencyKey` to the system it changes (which then acts once per key), so a
   * destructive tool may be retried up to `retry.maximumAttempts` times.
   */
  passesIdempotencyKey?: boolean;
  /** Defaults to `sideEffects === 'destructive'`. */
  needsApproval?: boolean;
  /**
   * Runs the tool. `call.idempotencyKey` is stable across retries of the same call: a side-effecting tool
   * passes it to the system it changes, so a retried attempt does not act twice.
   */
  run(args: z.output<S>, call: ToolCallInput): Promise<string> | string;
}

export interface DefinedTool {
  spec: ToolSpec;
  needsApproval: boolean;
  activity: ToolActivity;
}

const toolNamePattern = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

export function defineTool<S extends z.ZodType>(config: ToolConfig<S>): DefinedTool {
  if (!toolNamePattern.test(config.name) || config.name.includes('__')) {
    throw new Error(`defineTool: invalid tool name "${config.name}" (letters, digits, _ and -, no "__", at most 64)`);
  }
  const spec: ToolSpec<S> = {
    name: config.name,
    description: config.description,
    schema: config.schema,
    sideEffects: config.sideEffects,
    timeout: config.timeout ?? '30s',
    maximumAttempts: config.retry?.maximumAttempts ?? 3,
    ...(config.passesIdempotencyKey ? { passesIdempotencyKey: true } : {}),
  };
  return {
    spec,
    needsApproval: config.needsApproval ?? config.sideEffects === 'destructive',
    activity: defineToolActivity(spec, (args, call) => config.run(args, call)),
  };
}

/**
 * The defineTool fields of a built-in whose contract lives in contracts/tool-specs.ts (workflows from before the
 * describeTools patch still read those specs), so its name, schema, timeout and attempts are written only there.
 */
export function specFields<S extends z.ZodType>(spec: ToolSpec<S>): Omit<ToolConfig<S>, 'run'> {
  return {
    name: spec.name,
    description: spec.description,
    schema: spec.schema,
    sideEffects: spec.sideEffects,
    timeout: spec.timeout,
    retry: { maximumAttempts: spec.maximumAttempts },
  };
}

export function describeDefinedTool(tool: DefinedTool): ToolDescriptor {
  const definition = toolDefinition(tool.spec);
  return {
    name: tool.spec.name,
    description: definition.description,
    parameters: definition.parameters,
    sideEffects: tool.spec.sideEffects,
    needsApproval: tool.needsApproval,
    activity: toolActivityName(tool.spec.name),
    timeout: tool.spec.timeout,
    maximumAttempts: attemptsFor(tool.spec),
    ...(tool.spec.passesIdempotencyKey ? { passesIdempotencyKey: true } : {}),
  };
}
