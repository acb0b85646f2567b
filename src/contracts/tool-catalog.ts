/**
 * What the workflow knows about a tool at run time. The worker's tool registry (built-in tools, tools made
 * with `defineTool`, and tools discovered on MCP servers) answers the `describeTools` activity with these
 * descriptors; the answer is recorded in history, so a replay sees exactly the tools the run saw, even if
 * the worker's tools or an MCP server changed since.
 */
import { z } from 'zod';
import type { ToolDefinition } from './messages';
import type { SideEffects } from './tool-specs';

/** An MCP server an agent may use: a local command over stdio, or a streamable HTTP endpoint. */
export const mcpServerSpecSchema = z
  .object({
    /** Short name; the server's tools are offered to the model as `<name>__<tool>`. */
    name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,30}$/, 'letters, digits, _ and -, starting with a letter'),
    /** stdio: the command and its arguments. */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    /** Names of environment variables passed to the stdio server (their values never enter history). */
    envFromEnv: z.array(z.string()).default([]),
    /** Streamable HTTP endpoint. */
    url: z.string().url().optional(),
    /** HTTP headers whose values come from the worker's environment: `{ Authorization: 'MCP_TOKEN' }`. */
    headersFromEnv: z.record(z.string(), z.string()).default({}),
    /** When given, only these tools of the server are offered. */
    allowTools: z.array(z.string()).optional(),
    /** Start-to-close timeout of one tool call. */
    timeout: z.string().default('60s'),
    maximumAttempts: z.number().int().min(1).max(20).default(3),
  })
  .strict()
  .refine((s) => Boolean(s.command) !== Boolean(s.url), {
    message: 'give either command (stdio) or url (HTTP), not both',
  });
export type McpServerSpec = z.output<typeof mcpServerSpecSchema>;

/** Separator between an MCP server's name and its tool's name in the tool name the model sees. */
export const MCP_TOOL_SEPARATOR = '__';

export interface ToolDescriptor {
  /** The name the model calls. */
  name: string;
  description: string;
  /** JSON schema of the arguments. */
  parameters: Record<string, unknown>;
  sideEffects: SideEffects;
  /** Whether a person must approve each call by default (destructive tools do). */
  needsApproval: boolean;
  /** Activity type that runs the tool. */
  activity: string;
  /** Start-to-close timeout of one attempt (Temporal duration string). */
  timeout: string;
  maximumAttempts: number;
  /** The tool passes its idempotency key on, so a destructive call may be retried (see `attemptsFor`). */
  passesIdempotencyKey?: boolean;
  /** For MCP tools: which server and which of its tools. */
  mcp?: { server: McpServerSpec; tool: string };
}

export interface DescribeToolsInput {
  tools: string[];
  mcpServers: McpServerSpec[];
}

export function toModelToolDefinition(d: ToolDescriptor): ToolDefinition {
  return { name: d.name, description: d.description, parameters: d.parameters };
}

export const DESCRIBE_TOOLS_ACTIVITY = 'describeTools';
export const MCP_CALL_TOOL_ACTIVITY = 'mcp:callTool';

/** Input of the `mcp:callTool` activity: a tool call plus the server and tool it goes to. */
export interface McpCallInput {
  arguments: string;
  toolCallId: string;
  idempotencyKey: string;
  server: McpServerSpec;
  /** The tool's name on its server (without the `<server>__` prefix). */
  tool: string;
}
