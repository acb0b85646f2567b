/**
 * MCP servers on both sides of the trust line. The worker's operator declares servers (a command to run, or a
 * URL to reach, and which worker environment variables feed them); a run input or a spec only names a declared
 * server, optionally narrowed to some of its tools. Nothing that executes or connects can come from a run.
 * Shared by workflow, worker and client; pure.
 */
import { z } from 'zod';
import { UserError } from './errors';
import { describeIssues } from './zod-issues';

/** A server's name: its tools are offered to the model as `<name>__<tool>`. */
export const mcpServerNameSchema = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,30}$/, 'letters, digits, _ and -, starting with a letter');

/** Fields only the operator may set; a run input or spec carrying one of them is refused. */
export const OPERATOR_ONLY_MCP_FIELDS = [
  'command',
  'args',
  'envFromEnv',
  'url',
  'headersFromEnv',
  'timeout',
  'maximumAttempts',
] as const;

/** Where an operator declares MCP servers; named in every refusal so the fix is one look away. */
export const MCP_SERVERS_SETTING = 'AGENT_MCP_SERVERS_FILE or the mcpServers option of createAgentWorker';

/**
 * An MCP server as the operator declares it in worker config (AGENT_MCP_SERVERS_FILE, createAgentWorker's
 * `mcpServers`): a local command over stdio, or a streamable HTTP endpoint.
 */
export const mcpServerSpecSchema = z
  .object({
    name: mcpServerNameSchema,
    /** stdio: the command and its arguments. */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    /** Names of environment variables passed to the stdio server (their values never enter history). */
    envFromEnv: z.array(z.string().min(1)).default([]),
    /** Streamable HTTP endpoint. */
    url: z.string().url().optional(),
    /** HTTP headers whose values come from the worker's environment: `{ Authorization: 'MCP_TOKEN' }`. */
    headersFromEnv: z.record(z.string(), z.string().min(1)).default({}),
    /** When given, only these tools of the server are ever offered, whatever a run asks for. */
    allowTools: z.array(z.string().min(1)).optional(),
    /** Start-to-close timeout of one tool call. */
    timeout: z.string().default('60s'),
    maximumAttempts: z.number().int().min(1).max(20).default(3),
  })
  .strict()
  .refine((s) => Boolean(s.command) !== Boolean(s.url), {
    message: 'give either command (stdio) or url (HTTP), not both',
  });
/** A declared server, defaults filled in. */
export type McpServerSpec = z.output<typeof mcpServerSpecSchema>;
/** A declaration as the operator writes it. */
export type McpServerDeclaration = z.input<typeof mcpServerSpecSchema>;

const refObjectSchema = z.strictObject(
  {
    name: mcpServerNameSchema,
    /** Offer only these of the declared server's tools (it can narrow the operator's list, never widen it). */
    allowTools: z.array(z.string().min(1)).min(1).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.join(', ')} cannot be set by a run: MCP servers are declared by the worker's operator ` +
          `(${MCP_SERVERS_SETTING}); name a declared server as "name" or { name, allowTools }`
        : undefined,
  },
);

/** What a run input or spec says about an MCP server: its declared name, or `{ name, allowTools }`. */
export const mcpServerRefSchema = z
  .union([mcpServerNameSchema, refObjectSchema])
  .transform((v) => (typeof v === 'string' ? { name: v } : v));
export type McpServerRef = z.output<typeof mcpServerRefSchema>;
export type McpServerRefInput = z.input<typeof mcpServerRefSchema>;

/** The operator-only fields an entry carries (a definition written inline, the shape before the registry). */
export function inlineMcpFields(entry: unknown): string[] {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return [];
  return OPERATOR_ONLY_MCP_FIELDS.filter((f) => f in entry);
}

/** Only the name and allowTools of an entry: what a run recorded before the registry may still say. */
export function refOf(entry: unknown): unknown {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return entry;
  const { name, allowTools } = entry as { name?: unknown; allowTools?: unknown };
  return { name, ...(allowTools !== undefined ? { allowTools } : {}) };
}

/**
 * Validates the operator's declarations; `source` names where they came from in every message. Throws a
 * UserError listing each bad field by path, or a repeated name.
 */
export function parseMcpServerDeclarations(raw: unknown, source: string): McpServerSpec[] {
  const parsed = z.array(mcpServerSpecSchema).safeParse(raw);
  if (!parsed.success) {
    throw new UserError(`${source}: ${describeIssues(parsed.error.issues, { prefix: 'mcpServers.' })}`);
  }
  const seen = new Set<string>();
  for (const [i, server] of parsed.data.entries()) {
    if (seen.has(server.name))
      throw new UserError(`${source}: mcpServers.${i}.name: "${server.name}" is declared twice`);
    seen.add(server.name);
  }
  return parsed.data;
}
