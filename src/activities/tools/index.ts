/**
 * The built-in tools as activities, one per tool, registered as `tool:<name>` so each call is its own row in
 * the Web UI and gets its tool's timeout and retry policy. Each entry only wires a spec to its tool's function;
 * argument parsing, validation, logging and failure types live in {@link defineToolActivity}.
 */
import {
  calculatorSpec,
  listFilesSpec,
  readFileSpec,
  searchKnowledgeBaseSpec,
  toolActivityName,
  writeFileSpec,
} from '../../contracts/tool-specs';
import { calculate } from './calculator';
import type { CodeRunnerSettings } from './code-runner';
import type { HttpFetchSettings } from './http-fetch';
import { searchKnowledgeBase } from './knowledge-base';
import { defineToolActivity, type ToolActivity } from './tool-activity';
import { listWorkspaceFiles, readWorkspaceFile, writeWorkspaceFile } from './workspace';

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

/** Tool activities keyed by activity type, `tool:<tool name>`. */
export type ToolActivities = Record<`tool:${string}`, ToolActivity>;

/** Builds the tool activities for a worker; tests pass their own folders. */
export function createToolActivities(deps: ToolDeps): ToolActivities {
  const { workspaceDir, knowledgeBaseDir } = deps;
  const activities: Record<string, ToolActivity> = {
    [toolActivityName(calculatorSpec.name)]: defineToolActivity(calculatorSpec, calculate),
    [toolActivityName(searchKnowledgeBaseSpec.name)]: defineToolActivity(searchKnowledgeBaseSpec, (args) =>
      searchKnowledgeBase(knowledgeBaseDir, args),
    ),
    [toolActivityName(readFileSpec.name)]: defineToolActivity(readFileSpec, (args) =>
      readWorkspaceFile(workspaceDir, args),
    ),
    [toolActivityName(listFilesSpec.name)]: defineToolActivity(listFilesSpec, (args) =>
      listWorkspaceFiles(workspaceDir, args),
    ),
    [toolActivityName(writeFileSpec.name)]: defineToolActivity(writeFileSpec, (args) =>
      writeWorkspaceFile(workspaceDir, args),
    ),
  };
  return activities as ToolActivities;
}
