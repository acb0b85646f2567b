/**
 * AGENT_MCP_SERVERS_FILE: the operator's list of MCP servers a worker may run or reach, in JSON or YAML.
 *
 * ```yaml
 * mcpServers:
 *   - name: kb
 *     command: node
 *     args: [/opt/kb/server.js, --data, /srv/kb]
 *     envFromEnv: [KB_TOKEN]
 *   - name: tickets
 *     url: https://mcp.internal.example/mcp
 *     headersFromEnv: { Authorization: TICKETS_MCP_AUTH }
 *     allowTools: [search_tickets]
 * ```
 *
 * Runs name these servers; they never define one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../contracts/errors';
import { parseMcpServerDeclarations, type McpServerSpec } from '../contracts/mcp-servers';

export const MCP_SERVERS_FILE_VARIABLE = 'AGENT_MCP_SERVERS_FILE';

const fileSchema = z.object({ mcpServers: z.array(z.unknown()) }).strict();

/** Parses the text of a servers file; `label` names the file in every error. */
export function parseMcpServersFile(text: string, label: string): McpServerSpec[] {
  let raw: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    raw = parseYaml(text);
  } catch (err) {
    throw new UserError(`${label}: not valid JSON or YAML: ${(err as Error).message}`);
  }
  const shape = fileSchema.safeParse(raw);
  if (!shape.success) {
    throw new UserError(`${label}: expected an object with a list under "mcpServers" (the servers runs may name)`);
  }
  return parseMcpServerDeclarations(shape.data.mcpServers, label);
}

/** The servers declared in AGENT_MCP_SERVERS_FILE; none when it is unset. */
export function mcpServersFromEnv(env: Record<string, string | undefined> = process.env): McpServerSpec[] {
  const file = env[MCP_SERVERS_FILE_VARIABLE]?.trim();
  if (!file) return [];
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch (err) {
    throw new UserError(`${MCP_SERVERS_FILE_VARIABLE} ${resolved}: ${(err as Error).message}`);
  }
  return parseMcpServersFile(text, `${MCP_SERVERS_FILE_VARIABLE} ${resolved}`);
}
