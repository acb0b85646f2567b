/** Where the user's own agent specs live, from the environment; agentctl and the worker both read it. */
import path from 'node:path';
import { nonEmpty, type Env } from './values';

/**
 * AGENT_SPECS_DIR: a folder of the user's own agent specs (`*.yaml`, `*.yml`, `*.json`, one agent a file, not
 * recursive), beside the shipped ones. agentctl finds agents there by name (`agentctl start support-agent`,
 * `agentctl agents`); a worker given it answers runs started with only an agent name (`resolveAgentSpec`).
 * A user's agent of a shipped agent's name takes its place. The folder must exist when set (the agent catalog
 * refuses one that does not).
 */
export function agentSpecsDirFromEnv(env: Env = process.env): string | undefined {
  const dir = nonEmpty(env.AGENT_SPECS_DIR);
  return dir === undefined ? undefined : path.resolve(dir);
}
