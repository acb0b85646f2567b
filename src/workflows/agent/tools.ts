/**
 * Resolves the tools a run may use. New runs ask the worker (`describeTools`, recorded in history); runs
 * that started before that activity existed take the built-in specs compiled into the workflow, behind
 * `patched()`, so their histories still replay.
 */
import { patched } from '@temporalio/workflow';
import type { ValidAgentInput } from '../../contracts/agent-contract';
import { ErrorType } from '../../contracts/errors';
import type { ToolDescriptor } from '../../contracts/tool-catalog';
import type { ProviderQueues } from '../../contracts/model-queues';
import { toolActivityName, toolDefinition, toolSpecsByName, type ToolSpec } from '../../contracts/tool-specs';
import { describeToolsActivity } from '../kernel/activities';
import type { RunState } from './run-state';
import {
  checkApprovalToolNames,
  checkBuiltinToolNames,
  undeclaredMcpServerAsInputError,
  unknownToolAsInputError,
} from './input';
import { applicationFailureOf } from '../kernel/failures';
import { LEAN_STEPS_PATCH, TOOL_DISCOVERY_PATCH } from '../kernel/patches';

function builtinDescriptor(spec: ToolSpec): ToolDescriptor {
  const def = toolDefinition(spec);
  return {
    ...def,
    sideEffects: spec.sideEffects,
    // Before tool discovery, only the agent's approvalRequiredTools list asked for approval.
    needsApproval: false,
    activity: toolActivityName(spec.name),
    timeout: spec.timeout,
    maximumAttempts: spec.maximumAttempts,
  };
}

/** A run's tools, and (when the worker told it) which providers' model calls go to their own task queue. */
export interface ResolvedTools {
  descriptors: Map<string, ToolDescriptor>;
  providerQueues?: ProviderQueues;
}

/**
 * Announces the run (search attributes) and resolves its tools, in the order each code path used, so both
 * old and new histories replay: old runs checked tool names before announcing; new runs announce, then ask.
 */
export async function announceAndResolveTools(input: ValidAgentInput, state: RunState): Promise<ResolvedTools> {
  let descriptors: ToolDescriptor[];
  let providerQueues: ProviderQueues | undefined;
  if (patched(TOOL_DISCOVERY_PATCH)) {
    // Asked here, once, before the first command that differs: the bounded usage upserts and the routing.
    state.leanSteps = patched(LEAN_STEPS_PATCH);
    state.announce();
    try {
      ({ descriptors, providerQueues } = await describe(input, state.leanSteps));
      checkApprovalToolNames(
        input,
        descriptors.map((d) => d.name),
      );
    } catch (err) {
      state.setStatus('failed', (err as Error).message);
      throw err;
    }
  } else {
    checkBuiltinToolNames(input);
    checkApprovalToolNames(input, input.tools);
    state.announce();
    descriptors = input.tools.map((name) => builtinDescriptor(toolSpecsByName.get(name) as ToolSpec));
  }
  return { descriptors: new Map(descriptors.map((d) => [d.name, d])), ...(providerQueues ? { providerQueues } : {}) };
}

async function describe(
  input: ValidAgentInput,
  routed: boolean,
): Promise<{ descriptors: ToolDescriptor[]; providerQueues?: ProviderQueues }> {
  // A run without tools asks nothing (no activity); its model calls go to their provider's queue.
  if (input.tools.length === 0 && input.mcpServers.length === 0) return { descriptors: [] };
  try {
    const answer = await describeToolsActivity(
      { tools: input.tools, mcpServers: input.mcpServers, ...(routed ? { modelQueues: true as const } : {}) },
      // The worker's own tools are a lookup in its memory: a local activity (one marker, no second workflow task).
      // MCP discovery may start a server and fail for a while, which operators watch as a pending activity.
      { local: routed && input.mcpServers.length === 0 },
    );
    // A worker from before the routing answers with the bare list: its runs keep the provider queues.
    return Array.isArray(answer)
      ? { descriptors: answer }
      : { descriptors: answer.tools, providerQueues: answer.providerQueues };
  } catch (err) {
    const cause = applicationFailureOf(err);
    if (cause?.type === ErrorType.UnknownTool) throw unknownToolAsInputError(cause.message);
    if (cause?.type === ErrorType.McpServerNotDeclared) throw undeclaredMcpServerAsInputError(cause.message);
    throw err;
  }
}
