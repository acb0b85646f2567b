/**
 * Resolves the tools a run may use. New runs ask the worker (`describeTools`, recorded in history); runs
 * that started before that activity existed take the built-in specs compiled into the workflow, behind
 * `patched()`, so their histories still replay.
 */
import { patched } from '@temporalio/workflow';
import type { ValidAgentInput } from '../../contracts/agent-contract';
import { ErrorType } from '../../contracts/errors';
import type { ToolDescriptor } from '../../contracts/tool-catalog';
import { toolActivityName, toolDefinition, toolSpecsByName, type ToolSpec } from '../../contracts/tool-specs';
import { describeToolsActivity } from '../kernel/activities';
import type { RunState } from './run-state';
import { checkApprovalToolNames, checkBuiltinToolNames, unknownToolAsInputError } from './input';
import { applicationFailureOf } from '../kernel/failures';
import { TOOL_DISCOVERY_PATCH } from '../kernel/patches';

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

/**
 * Announces the run (search attributes) and resolves its tools, in the order each code path used, so both
 * old and new histories replay: old runs checked tool names before announcing; new runs announce, then ask.
 */
export async function announceAndResolveTools(
  input: ValidAgentInput,
  state: RunState,
): Promise<Map<string, ToolDescriptor>> {
  let descriptors: ToolDescriptor[];
  if (patched(TOOL_DISCOVERY_PATCH)) {
    state.announce();
    try {
      descriptors = await describe(input);
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
  return new Map(descriptors.map((d) => [d.name, d]));
}

async function describe(input: ValidAgentInput): Promise<ToolDescriptor[]> {
  if (input.tools.length === 0 && input.mcpServers.length === 0) return [];
  try {
    return await describeToolsActivity({ tools: input.tools, mcpServers: input.mcpServers });
  } catch (err) {
    const cause = applicationFailureOf(err);
    if (cause?.type === ErrorType.UnknownTool) throw unknownToolAsInputError(cause.message);
    throw err;
  }
}
