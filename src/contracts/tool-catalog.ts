/**
 * What the workflow knows about a tool at run time. The worker's tool registry (built-in tools, tools made
 * with `defineTool`, and tools discovered on MCP servers) answers the `describeTools` activity with these
 * descriptors; the answer is recorded in history, so a replay sees exactly the tools the run saw, even if
 * the worker's tools or an MCP server changed since.
 */
import type { ToolDefinition } from './messages';
import type { SideEffects } from './tool-specs';
import type { McpServerRef } from './mcp-servers';
import type { ProviderQueues } from './model-queues';

export {
  mcpServerRefSchema,
  mcpServerSpecSchema,
  type McpServerDeclaration,
  type McpServerRef,
  type McpServerRefInput,
  type McpServerSpec,
} from './mcp-servers';

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
  /**
   * For MCP tools: which declared server (by name, with the run's allowTools) and which of its tools. Runs
   * recorded before the `mcp-server-registry` patch carry the whole inline definition here; the worker refuses it.
   */
  mcp?: { server: McpServerRef; tool: string };
  /** The tool passes its idempotency key on, so a destructive call may be retried (see `attemptsFor`). */
  passesIdempotencyKey?: boolean;
}

export interface DescribeToolsInput {
  tools: string[];
  /** Names of servers the worker's operator declared; the worker resolves each before anything starts. */
  mcpServers: McpServerRef[];
  /** Ask also which providers' model calls go to their own task queue (the answer is then a {@link ToolCatalog}). */
  modelQueues?: true;
}

/** The `describeTools` answer to an input with `modelQueues`: the tools, and where the run's model calls go. */
export interface ToolCatalog {
  tools: ToolDescriptor[];
  providerQueues: ProviderQueues;
}

/** Older workers (and inputs without `modelQueues`) answer with the bare list. */
export type DescribeToolsResult = ToolDescriptor[] | ToolCatalog;

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
  /** The declared server, by name; the worker looks up what it runs or reaches. */
  server: McpServerRef;
  /** The tool's name on its server (without the `<server>__` prefix). */
  tool: string;
}
