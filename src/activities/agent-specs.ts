/**
 * `resolveAgentSpec`: the worker's answer to a run started with only an agent name. It looks the name up in the
 * worker's agent catalog (shipped agents and the operator's specs folder) and returns the spec's part of the
 * workflow input; history records the answer, so a replay runs the agent as it was, even after the file changed.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { AgentCatalog } from '../agents/catalog';
import { agentInputFromSpec, type ResolvedAgentSpec } from '../contracts/agent-spec';
import { ErrorType, UserError } from '../contracts/errors';

export interface AgentSpecActivityDeps {
  catalog: AgentCatalog;
}

/** The `resolveAgentSpec` activity over a catalog; register it on any worker that should answer runs by name. */
export function createAgentSpecActivities(deps: AgentSpecActivityDeps) {
  return {
    async resolveAgentSpec(input: { name: string }): Promise<ResolvedAgentSpec> {
      let found;
      try {
        found = deps.catalog.find(input.name);
      } catch (err) {
        // A broken file is the operator's to fix; retrying would read the same file again.
        throw ApplicationFailure.create({
          type: ErrorType.InvalidAgentSpec,
          message: (err as Error).message,
          nonRetryable: true,
        });
      }
      if (!found) {
        throw ApplicationFailure.create({
          type: ErrorType.UnknownAgent,
          message: deps.catalog.unknownAgentError(input.name).message,
          nonRetryable: true,
        });
      }
      try {
        const resolved = agentInputFromSpec(found.spec);
        log.info('agent spec resolved', { agent: input.name, source: found.source, file: found.file });
        return { input: resolved, ...(found.spec.exampleInput ? { exampleInput: found.spec.exampleInput } : {}) };
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        throw ApplicationFailure.create({ type: ErrorType.InvalidAgentSpec, message: err.message, nonRetryable: true });
      }
    },
  };
}
