/**
 * The built-in tools, every one made with {@link defineTool}: each is an activity registered as `tool:<name>`,
 * so each call is its own row in the Web UI and gets its tool's timeout and retry policy. Argument parsing,
 * validation, logging and failure types live in defineTool's wrapper; the tool files hold only their own job.
 */
import { toolActivityName } from '../../contracts/tool-specs';
import { createCalculatorTool } from './calculator';
import { createCodeRunnerTool, type CodeRunnerSettings } from './code-runner';
import { createCrmTools } from './crm';
import type { DefinedTool } from './define-tool';
import { createHttpFetchTool, type HttpFetchSettings } from './http-fetch';
import { createKnowledgeBaseTool } from './knowledge-base';
import type { ToolActivity } from './tool-activity';
import { createWorkspaceTools } from './workspace';

export type { ToolActivity } from './tool-activity';

export interface ToolDeps {
  /** The folder the file tools are confined to; created when missing. */
  workspaceDir: string;
  /** The folder of markdown documents that search_knowledge_base searches. */
  knowledgeBaseDir: string;
  /** http_fetch limits and allow-list; the defaults refuse every private address. */
  httpFetch?: Partial<HttpFetchSettings>;
  /** run_javascript limits; by default every run waits for approval. */
  codeRunner?: Partial<CodeRunnerSettings>;
}

/**
 * The built-ins whose contracts are compiled into workflows (contracts/tool-specs.ts: calculator,
 * search_knowledge_base and the file tools), which runs from before the describeTools patch resolve there.
 */
export function coreTools(deps: Pick<ToolDeps, 'workspaceDir' | 'knowledgeBaseDir'>): DefinedTool[] {
  return [
    createCalculatorTool(),
    createKnowledgeBaseTool(deps.knowledgeBaseDir),
    ...createWorkspaceTools(deps.workspaceDir),
  ];
}

/** Every built-in tool: the core ones, the example CRM tools, http_fetch and run_javascript. */
export function builtinTools(deps: ToolDeps): DefinedTool[] {
  return [
    ...coreTools(deps),
    ...createCrmTools(deps.workspaceDir),
    createHttpFetchTool(deps.httpFetch),
    createCodeRunnerTool(deps.workspaceDir, deps.codeRunner),
  ];
}

/** Tool activities keyed by activity type, `tool:<tool name>`. */
export type ToolActivities = Record<`tool:${string}`, ToolActivity>;

/** The core tools' activities, keyed by activity type; tests pass their own folders. */
export function createToolActivities(deps: Pick<ToolDeps, 'workspaceDir' | 'knowledgeBaseDir'>): ToolActivities {
  return Object.fromEntries(coreTools(deps).map((t) => [toolActivityName(t.spec.name), t.activity])) as ToolActivities;
}
