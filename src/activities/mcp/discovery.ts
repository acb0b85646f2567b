/**
 * Tool discovery: what an MCP server offers, as the descriptors the workflow records in history. The
 * `describeTools` activity calls this once per server at the start of a run; a replay reads the recorded
 * answer and never contacts the server.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { ErrorType } from '../../contracts/errors';
import {
  MCP_CALL_TOOL_ACTIVITY,
  MCP_TOOL_SEPARATOR,
  mcpServerSpecSchema,
  type McpServerSpec,
  type ToolDescriptor,
} from '../../contracts/tool-catalog';
import type { SideEffects } from '../../contracts/tool-specs';
import type { McpClientPool } from './client';
import { serverUnavailable } from './failures';
import { describeIssues } from '../../contracts/zod-issues';

/** OpenAI and Anthropic accept tool names of letters, digits, `_` and `-`, at most 64 characters. */
const MODEL_TOOL_NAME_MAX = 64;

/**
 * Maps MCP tool annotations to our side-effect classes, reading each hint with the default the MCP
 * specification gives it (2025-06-18, `ToolAnnotations`): `readOnlyHint` false, `destructiveHint` true,
 * `idempotentHint` false; the last two mean something only when the tool is not read-only. So:
 *
 * - `readOnlyHint: true` → `none`: the tool changes nothing.
 * - otherwise `destructiveHint` true or absent → `destructive`, which needs approval. A tool without
 *   annotations is therefore gated, as the specification intends: a client must not trust an unannotated tool.
 * - otherwise (explicitly non-destructive) → `idempotent`, whether or not `idempotentHint` is set. Our classes
 *   have no "additive but not idempotent" member; such a tool writes without destroying, so it runs without
 *   approval, at least once like every side-effecting tool here, with the run's idempotency key sent in the
 *   request's `_meta` so a server that cares can drop a repeat.
 */
export function sideEffectsFromAnnotations(annotations: ToolAnnotations | undefined): {
  sideEffects: SideEffects;
  needsApproval: boolean;
} {
  if (annotations?.readOnlyHint === true) return { sideEffects: 'none', needsApproval: false };
  if (annotations?.destructiveHint !== false) return { sideEffects: 'destructive', needsApproval: true };
  return { sideEffects: 'idempotent', needsApproval: false };
}

/** The name the model sees: `<server>__<tool>`, with characters models refuse replaced by `_`. */
export function modelToolName(serverName: string, toolName: string): string {
  return `${serverName}${MCP_TOOL_SEPARATOR}${toolName}`.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, MODEL_TOOL_NAME_MAX);
}

/** The argument schema the model sees; `$schema` is dropped as for the built-in tools. */
function parametersOf(tool: Tool): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = tool.inputSchema as Record<string, unknown>;
  return schema;
}

function descriptorOf(spec: McpServerSpec, tool: Tool): ToolDescriptor {
  return {
    name: modelToolName(spec.name, tool.name),
    description:
      tool.description ?? tool.title ?? tool.annotations?.title ?? `Tool ${tool.name} of the MCP server ${spec.name}.`,
    parameters: parametersOf(tool),
    ...sideEffectsFromAnnotations(tool.annotations),
    activity: MCP_CALL_TOOL_ACTIVITY,
    timeout: spec.timeout,
    maximumAttempts: spec.maximumAttempts,
    mcp: { server: spec, tool: tool.name },
  };
}

/** Checks a spec that arrived as data; a bad one is the agent author's mistake, not worth a retry. */
function validSpec(spec: McpServerSpec): McpServerSpec {
  const parsed = mcpServerSpecSchema.safeParse(spec);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({
    type: ErrorType.InvalidAgentInput,
    message: `MCP server spec "${String((spec as { name?: unknown }).name)}": ${describeIssues(parsed.error.issues, { root: '(spec)' })}`,
    nonRetryable: true,
  });
}

/**
 * Lists the tools of one MCP server (those in `allowTools`, when given) as tool descriptors. A server that
 * cannot start, times out or dies fails with a retryable `McpServerUnavailable`.
 */
export async function discoverMcpTools(spec: McpServerSpec, pool: McpClientPool): Promise<ToolDescriptor[]> {
  const server = validSpec(spec);
  const started = Date.now();
  let tools: Tool[];
  try {
    tools = await pool.use(server, 'listing tools', (c) => c.listTools({ refresh: true }));
  } catch (err) {
    // Protocol errors while listing (a server without tools, a malformed answer) may pass with a redeploy.
    const failure = err instanceof ApplicationFailure ? err : serverUnavailable(server, 'listing tools', err);
    log.warn('mcp tool discovery failed', { server: server.name, type: failure.type, error: failure.message });
    throw failure;
  }
  const allowed = server.allowTools ? new Set(server.allowTools) : undefined;
  if (allowed) {
    const missing = [...allowed].filter((name) => !tools.some((t) => t.name === name));
    if (missing.length) log.warn('mcp allowTools names tools the server lacks', { server: server.name, missing });
  }
  const descriptors = tools.filter((t) => !allowed || allowed.has(t.name)).map((t) => descriptorOf(server, t));
  const seen = new Map<string, string>();
  for (const d of descriptors) {
    const other = seen.get(d.name);
    if (other !== undefined) {
      throw ApplicationFailure.create({
        type: ErrorType.InvalidAgentInput,
        message: `MCP server "${server.name}": tools "${other}" and "${d.mcp?.tool}" both become "${d.name}"; list one in allowTools`,
        nonRetryable: true,
      });
    }
    seen.set(d.name, d.mcp?.tool ?? d.name);
  }
  log.info('mcp tools discovered', {
    server: server.name,
    tools: descriptors.map((d) => d.mcp?.tool),
    durationMs: Date.now() - started,
  });
  return descriptors;
}
