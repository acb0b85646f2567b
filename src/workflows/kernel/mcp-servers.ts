/**
 * Runs name MCP servers the worker declares; they cannot define one. Before the `mcp-server-registry` patch an
 * input could carry a whole server definition (command, URL, environment variable names). A new run with such
 * an entry is refused by validation, which names the field. A run recorded before the patch replays with only
 * the names kept: its recorded discovery is read from history, and the worker refuses any tool call that still
 * carries an inline definition, so nothing from the input ever runs.
 */
import { log, patched } from '@temporalio/workflow';
import { inlineMcpFields, refOf } from '../../contracts/mcp-servers';
import { MCP_SERVER_REGISTRY_PATCH } from './patches';

/**
 * The `mcpServers` lists of an input or spec (`lists`, each with the path it is reported under), rewritten to
 * names only when the run is a replay from before the patch; otherwise returned as they are, for validation to
 * refuse the inline fields.
 */
export function mcpServersForValidation(lists: { path: string; entries: unknown }[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const inline = lists.filter((l) => Array.isArray(l.entries) && l.entries.some((e) => inlineMcpFields(e).length > 0));
  // Deterministic: decided by the input alone, so the marker is written (or not) the same way on every replay.
  if (inline.length === 0 || patched(MCP_SERVER_REGISTRY_PATCH)) return out;
  for (const list of inline) {
    log.warn('run recorded with inline MCP server definitions; only their names are kept', { field: list.path });
    out.set(list.path, (list.entries as unknown[]).map(refOf));
  }
  return out;
}
