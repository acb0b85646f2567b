/**
 * The agents: spec files (YAML or JSON) shipped beside this file and in a user's own folder, found by name
 * through the catalog. A spec is data: `agentctl start <name>` turns it into an `agentWorkflow` input, so a
 * new agent needs no workflow change and no redeploy.
 */
import type { AgentInput } from '../contracts/agent-contract';
import { agentInputFromSpec, type AgentSpec } from '../contracts/agent-spec';

export type { AgentSpec } from '../contracts/agent-spec';
export {
  AgentCatalog,
  loadAgentSpecFile,
  shippedAgentSpec,
  shippedAgentSpecs,
  type AgentCatalogOptions,
  type CatalogAgent,
  type CatalogListing,
  type SpecFileProblem,
} from './catalog';

/** The workflow input for a spec and a request; `model` overrides the spec's model (e.g. `mock:<scenario>`). */
export function agentInputFor(spec: AgentSpec, input: string, model?: string): AgentInput {
  return { ...agentInputFromSpec(spec, model ? { model } : {}), input };
}
