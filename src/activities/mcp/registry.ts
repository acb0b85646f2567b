/**
 * The MCP servers this worker's operator declared (AGENT_MCP_SERVERS_FILE, createAgentWorker's `mcpServers`).
 * A run reaches a server only by naming it here; what runs or is contacted, and with which environment
 * variables, comes from the declaration alone. A reference that names an undeclared server, or that carries
 * a definition of its own (a run recorded before the registry), is refused before any process starts or any
 * request leaves.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../../contracts/errors';
import {
  inlineMcpFields,
  MCP_SERVERS_SETTING,
  parseMcpServerDeclarations,
  type McpServerRef,
  type McpServerSpec,
} from '../../contracts/mcp-servers';

function notDeclared(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ErrorType.McpServerNotDeclared, message, nonRetryable: true });
}

export class McpServerRegistry {
  private readonly servers: Map<string, McpServerSpec>;

  /** `declarations` are validated; `source` names where they came from in error messages. */
  constructor(declarations: unknown = [], source = 'createAgentWorker mcpServers') {
    this.servers = new Map(parseMcpServerDeclarations(declarations, source).map((s) => [s.name, s]));
  }

  /** The declared names, sorted. */
  names(): string[] {
    return [...this.servers.keys()].sort();
  }

  private declaredList(): string {
    const names = this.names();
    return names.length ? names.join(', ') : '(none; declare servers in ' + MCP_SERVERS_SETTING + ')';
  }

  /**
   * The declaration a reference names, narrowed to the reference's `allowTools` (within the operator's own
   * list, when it has one). Throws a non-retryable `McpServerNotDeclared` for an undeclared name or a
   * reference that carries operator-only fields.
   */
  resolve(ref: McpServerRef): McpServerSpec {
    const name = typeof (ref as { name?: unknown })?.name === 'string' ? ref.name : String(ref);
    const inline = inlineMcpFields(ref);
    if (inline.length) {
      throw notDeclared(
        `MCP server "${name}" came with ${inline.join(', ')} of its own, which only the worker's operator may set ` +
          `(${MCP_SERVERS_SETTING}); nothing was started. Declared servers: ${this.declaredList()}`,
      );
    }
    const declared = this.servers.get(name);
    if (!declared) {
      throw notDeclared(`MCP server "${name}" is not declared on this worker; declared: ${this.declaredList()}`);
    }
    if (!ref.allowTools) return declared;
    const allowTools = declared.allowTools
      ? ref.allowTools.filter((t) => declared.allowTools?.includes(t))
      : [...ref.allowTools];
    return { ...declared, allowTools };
  }
}

/** The reference a descriptor records for a resolved server: its name and the tools it was narrowed to. */
export function refFor(spec: McpServerSpec): McpServerRef {
  return { name: spec.name, ...(spec.allowTools ? { allowTools: [...spec.allowTools] } : {}) };
}
