/**
 * Runs started with only an agent's name (`{ agent: 'support-agent', input }`, no instructions): the worker's
 * agent catalog supplies the rest through the `resolveAgentSpec` activity, whose answer history records, so a
 * replay runs the agent as it was resolved, whatever the spec file says by then. Behind `patched()`: earlier
 * code failed such an input at validation, and its histories must still replay that way.
 */
import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import type { AgentInput } from '../../contracts/agent-contract';
import { inputFromResolvedSpec, namesAgentOnly, type AgentByNameInput } from '../../contracts/agent-spec';
import { ErrorType } from '../../contracts/errors';
import { resolveAgentSpecActivity } from '../kernel/activities';
import { AGENT_SPEC_RESOLUTION_PATCH } from '../kernel/patches';

/** The input to validate: as given, or, for a run naming an agent only, the resolved spec under the run's fields. */
export async function resolveNamedAgent(raw: AgentInput | AgentByNameInput): Promise<unknown> {
  if (!namesAgentOnly(raw) || !patched(AGENT_SPEC_RESOLUTION_PATCH)) return raw;
  try {
    return inputFromResolvedSpec(await resolveAgentSpecActivity(raw.agent), raw);
  } catch (err) {
    // An unknown name or a broken spec is the run's failure, typed as such, not an activity's.
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    const refused: string[] = [ErrorType.UnknownAgent, ErrorType.InvalidAgentSpec];
    if (cause instanceof ApplicationFailure && cause.type && refused.includes(cause.type))
      throw ApplicationFailure.create({ type: cause.type, message: cause.message, nonRetryable: true });
    throw err;
  }
}
