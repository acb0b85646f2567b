/**
 * Loads the user's own tools for `npm run worker` and `npm run dev`: the module named by AGENT_TOOLS_MODULE
 * exports `tools`, an array made with defineTool. A bad module stops the worker at start, with the reason.
 */
import type { DefinedTool } from '../activities/tools/define-tool';
import { UserError } from '../contracts/errors';

export function loadToolsModule(modulePath: string | undefined): DefinedTool[] {
  if (!modulePath) return [];
  let loaded: { tools?: unknown; default?: { tools?: unknown } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
    loaded = require(modulePath) as typeof loaded;
  } catch (err) {
    throw new UserError(`AGENT_TOOLS_MODULE ${modulePath} cannot be loaded: ${(err as Error).message}`);
  }
  const tools = loaded.tools ?? loaded.default?.tools;
  const valid =
    Array.isArray(tools) && tools.every((t) => t && typeof t === 'object' && 'spec' in t && 'activity' in t);
  if (!valid)
    throw new UserError(`AGENT_TOOLS_MODULE ${modulePath} must export \`tools\`: an array made with defineTool`);
  return tools as DefinedTool[];
}
