/**
 * The worker's tools: the built-ins plus the user's `defineTool` tools plus, per run, the tools of the MCP
 * servers the agent lists. The `describeTools` activity answers from here; its recorded answer is what the
 * workflow offers the model and how it runs each call.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { ErrorType } from '../../contracts/errors';
import type {
  DescribeToolsInput,
  DescribeToolsResult,
  McpServerRef,
  ToolDescriptor,
} from '../../contracts/tool-catalog';
import type { ProviderQueues } from '../../contracts/model-queues';
import { toolActivityName } from '../../contracts/tool-specs';
import { describeDefinedTool, type DefinedTool } from './define-tool';
import { builtinTools, type ToolDeps } from './index';
import type { ToolActivity } from './tool-activity';

/** Resolves every named MCP server against the worker's declarations, then lists their tools. */
export type McpDiscovery = (servers: McpServerRef[]) => Promise<ToolDescriptor[]>;

export class ToolRegistry {
  private readonly tools = new Map<string, DefinedTool>();

  constructor(tools: DefinedTool[]) {
    for (const tool of tools) {
      if (this.tools.has(tool.spec.name)) throw new Error(`two tools are named "${tool.spec.name}"`);
      this.tools.set(tool.spec.name, tool);
    }
  }

  /** The built-in tools with their folders, the example CRM tools, http_fetch, run_javascript, plus the user's own. */
  static withBuiltins(deps: ToolDeps, extra: DefinedTool[] = []): ToolRegistry {
    return new ToolRegistry([...builtinTools(deps), ...extra]);
  }

  names(): string[] {
    return [...this.tools.keys()].sort();
  }

  /** Activities to register on the worker, one per tool, `tool:<name>`. */
  activities(): Record<string, ToolActivity> {
    return Object.fromEntries([...this.tools.values()].map((t) => [toolActivityName(t.spec.name), t.activity]));
  }

  /** Descriptors of the named tools; an unknown name is a non-retryable UnknownTool failure naming it. */
  describe(names: string[]): ToolDescriptor[] {
    const unknown = names.filter((n) => !this.tools.has(n));
    if (unknown.length) {
      throw ApplicationFailure.create({
        type: ErrorType.UnknownTool,
        message: `unknown tool(s) ${unknown.join(', ')}; this worker has: ${this.names().join(', ')}`,
        nonRetryable: true,
      });
    }
    return names.map((n) => describeDefinedTool(this.tools.get(n) as DefinedTool));
  }
}

/** The `describeTools` activity. */
/**
 * `describeTools`. Asked with `modelQueues`, it also says which providers' model calls go to their own task
 * queue (`providerQueues`: the providers this worker rate-limits, or `'all'` when it cannot tell), so the answer
 * the run records once at its start also decides its model-call routing, with no event of its own.
 */
export function createDescribeToolsActivity(
  registry: ToolRegistry,
  discoverMcp?: McpDiscovery,
  providerQueues: ProviderQueues = 'all',
) {
  return {
    async describeTools(input: DescribeToolsInput): Promise<DescribeToolsResult> {
      const local = registry.describe(input.tools);
      let remote: ToolDescriptor[] = [];
      if (input.mcpServers.length) {
        if (!discoverMcp) {
          throw ApplicationFailure.create({
            type: ErrorType.McpServerNotDeclared,
            message: `MCP server "${input.mcpServers[0]?.name}" requested but this worker has no MCP support`,
            nonRetryable: true,
          });
        }
        remote = await discoverMcp(input.mcpServers);
      }
      const all = [...local, ...remote];
      const seen = new Set<string>();
      for (const d of all) {
        if (seen.has(d.name)) {
          throw ApplicationFailure.create({
            type: ErrorType.InvalidAgentInput,
            message: `two tools are named "${d.name}"`,
            nonRetryable: true,
          });
        }
        seen.add(d.name);
      }
      log.info('tools described', { tools: all.map((d) => d.name), mcpServers: input.mcpServers.map((s) => s.name) });
      return input.modelQueues ? { tools: all, providerQueues } : all;
    },
  };
}
