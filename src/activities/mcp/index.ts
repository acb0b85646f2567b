/**
 * MCP servers as tool sources: discovery for the `describeTools` activity and the `mcp:callTool` activity,
 * both over one pool of connections per worker.
 */
import {
  MCP_CALL_TOOL_ACTIVITY,
  type McpCallInput,
  type McpServerSpec,
  type ToolDescriptor,
} from '../../contracts/tool-catalog';
import type { ToolCallOutput } from '../../contracts/tool-specs';
import { createMcpCallTool } from './call-tool';
import { McpClientPool } from './client';
import { discoverMcpTools } from './discovery';

export { McpClientPool, McpConnection, type McpClientPoolOptions } from './client';
export { discoverMcpTools, modelToolName, sideEffectsFromAnnotations } from './discovery';
export { flattenToolResult, MCP_OUTPUT_LIMIT_CHARS } from './call-tool';

/**
 * The pool used when none is given: one per worker process. Whoever owns the worker calls
 * `defaultMcpClientPool.closeAll()` after the worker stops, which stops the stdio servers.
 */
export const defaultMcpClientPool = new McpClientPool();

/** A type alias, not an interface, so it fits `Record<string, activity>` where activities are collected. */
export type McpActivities = {
  [MCP_CALL_TOOL_ACTIVITY]: (input: McpCallInput) => Promise<ToolCallOutput>;
};

/** The MCP activities to register on a worker: `mcp:callTool`, over `pool` (the process-wide pool by default). */
export function createMcpActivities(pool: McpClientPool = defaultMcpClientPool): McpActivities {
  return { [MCP_CALL_TOOL_ACTIVITY]: createMcpCallTool(pool) };
}

/**
 * Everything a worker needs for MCP over one pool: `discover` for the `describeTools` activity, the activities
 * to register, and `close` for worker shutdown.
 */
export function createMcpSupport(pool: McpClientPool = defaultMcpClientPool): {
  pool: McpClientPool;
  discover: (server: McpServerSpec) => Promise<ToolDescriptor[]>;
  activities: McpActivities;
  close: () => Promise<void>;
} {
  return {
    pool,
    discover: (server) => discoverMcpTools(server, pool),
    activities: createMcpActivities(pool),
    close: () => pool.closeAll(),
  };
}
