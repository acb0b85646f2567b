/**
 * What a name or a path given to `agentctl start` or `validate` refers to: a spec file (agent or graph, told
 * apart by its keys), an agent of the catalog (shipped or the user's folder), or a shipped graph. The CLI and
 * the client API share this, so both read a reference the same way.
 */
import type { AgentSpec } from '../contracts/agent-spec';
import { UserError } from '../contracts/errors';
import type { GraphSpec } from '../contracts/graph-spec';
import { loadAgentSpecFile, type AgentCatalog } from './catalog';
import { loadGraphSpec, shippedGraphs } from './graphs';
import { isSpecFile, readSpecFile, SPEC_FILE, specKind } from './spec-file';

export type SpecReference =
  | { kind: 'agent'; spec: AgentSpec; source: 'shipped' | 'user' | 'file'; file: string }
  | { kind: 'graph'; spec: GraphSpec; source: 'shipped' | 'file' };

/** Loads and validates what `nameOrPath` refers to; a UserError says what is wrong or what exists instead. */
export function resolveSpecReference(catalog: AgentCatalog, nameOrPath: string): SpecReference {
  if (isSpecFile(nameOrPath)) {
    if (specKind(readSpecFile(nameOrPath)) === 'graph')
      return { kind: 'graph', spec: loadGraphSpec(nameOrPath), source: 'file' };
    return { kind: 'agent', spec: loadAgentSpecFile(nameOrPath), source: 'file', file: nameOrPath };
  }
  // A path that names no file is a typo of a path, not an agent name: say so rather than list agents.
  if (SPEC_FILE.test(nameOrPath) || nameOrPath.includes('/')) throw new UserError(`no spec file ${nameOrPath}`);
  const agent = catalog.find(nameOrPath);
  if (agent) return { kind: 'agent', spec: agent.spec, source: agent.source, file: agent.file };
  if (shippedGraphs().some((g) => g.name === nameOrPath))
    return { kind: 'graph', spec: loadGraphSpec(nameOrPath), source: 'shipped' };
  const error = catalog.unknownAgentError(nameOrPath);
  throw new UserError(`${error.message} (graphs: agentctl graphs, or a spec file)`);
}
