/**
 * Which agent a name or a spec file path means for the client: the catalog of shipped agents plus the user's
 * folder (AGENT_SPECS_DIR, or the client's `specsDir`), or an agent spec file. One function, so agentctl and an
 * application read a reference the same way.
 */
import { AgentCatalog, loadAgentSpecFile } from '../agents/catalog';
import { isSpecFile, readSpecFile, specKind } from '../agents/spec-file';
import type { AgentSpec } from '../contracts/agent-spec';

/** The agent spec a name or path refers to, or undefined when it names no agent (a graph, or nothing known). */
export function resolveAgent(nameOrPath: string, catalog: AgentCatalog): AgentSpec | undefined {
  if (isSpecFile(nameOrPath)) {
    return specKind(readSpecFile(nameOrPath)) === 'agent' ? loadAgentSpecFile(nameOrPath) : undefined;
  }
  return catalog.find(nameOrPath)?.spec;
}

/** A catalog of the shipped agents and, when given, a folder of the user's own. */
export function agentCatalogFor(specsDir: string | undefined): AgentCatalog {
  return new AgentCatalog(specsDir === undefined ? {} : { specsDir });
}
