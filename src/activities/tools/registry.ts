/**
 * The worker's tools: the built-ins plus the user's `defineTool` tools plus, per run, the tools of the MCP
 * servers the agent lists. The `describeTools` activity answers from here; its recorded answer is what the
 * workflow offers the model and how it runs each call.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { ErrorType } from '../../contracts/errors';
import type { DescribeToolsInput, McpServerSpec, ToolDescriptor } from '../../contracts/tool-catalog';
import { toolActivityName } from '../../contracts/tool-specs';
import { describeDefinedTool, type DefinedTool } from './define-tool';
import { builtinTools, type ToolDeps } from './index';
import type { ToolActivity } from './tool-activity';

export type McpDiscovery = (server: McpServerSpec) => Promise<ToolDescriptor[]>;

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
export function createDescribeToolsActivity(registry: ToolRegistry, discoverMcp?: McpDiscovery) {
  return {
    async describeTools(input: DescribeToolsInput): Promise<ToolDescriptor[]> {
      const local = registry.describe(input.tools);
      const remote: ToolDescriptor[] = [];
      for (const server of input.mcpServers) {
        if (!discoverMcp) {
          throw ApplicationFailure.create({
            type: ErrorType.InvalidAgentInput,
            message: `MCP server "${server.name}" requested but this worker has no MCP support`,
            nonRetryable: true,
          });
        }
        remote.push(...(await discoverMcp(server)));
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
      return all;
    },
  };
}
