/**
 * Which agent a name means. One function, so the catalog behind it (today the shipped specs in src/agents,
 * later spec files) can change without touching the client or agentctl.
 */
import { findAgent, shippedAgents, type AgentSpec } from '../agents';

/** The agent spec a name refers to, or undefined when the catalog has none by that name. */
export function resolveAgent(name: string): AgentSpec | undefined {
  return findAgent(name);
}

/** The names the catalog knows, for error messages and help. */
export function knownAgentNames(): string[] {
  return shippedAgents.map((a) => a.name);
}
