/** Built-in tools from the environment: their directories, the operator's tools module, and tool limits. */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { CodeRunnerSettings } from '../activities/tools/code-runner';
import type { HttpFetchSettings } from '../activities/tools/http-fetch';
import { UserError } from '../contracts/errors';
import { nonEmpty, type Env } from './values';

/** Where the built-in tools work and read, and the module of extra tools (AGENT_WORKSPACE, KNOWLEDGE_BASE_DIR, AGENT_TOOLS_MODULE). */
export interface ToolPaths {
  workspaceDir: string;
  knowledgeBaseDir: string;
  toolsModule?: string;
}

export function toolPathsFromEnv(env: Env = process.env): ToolPaths {
  const toolsModule = nonEmpty(env.AGENT_TOOLS_MODULE);
  return {
    workspaceDir: path.resolve(nonEmpty(env.AGENT_WORKSPACE) ?? path.join(os.tmpdir(), 'durable-agents-workspace')),
    knowledgeBaseDir: path.resolve(
      nonEmpty(env.KNOWLEDGE_BASE_DIR) ?? path.join(__dirname, '..', 'agents', 'knowledge-base'),
    ),
    ...(toolsModule ? { toolsModule: path.resolve(toolsModule) } : {}),
  };
}

/** Limits of the built-in http_fetch and run_javascript tools; unset fields keep the tool's defaults. */
export interface ToolLimits {
  httpFetch: Partial<HttpFetchSettings>;
  codeRunner: Partial<CodeRunnerSettings>;
}

const positiveInt = z.coerce.number().int().positive();
const toolEnvSchema = z.object({
  HTTP_FETCH_ALLOW_HOSTS: z.string().optional(),
  HTTP_FETCH_MAX_BYTES: positiveInt.optional(),
  HTTP_FETCH_TIMEOUT_MS: positiveInt.optional(),
  RUN_JAVASCRIPT_TIMEOUT_MS: positiveInt.optional(),
  RUN_JAVASCRIPT_MEMORY_MB: positiveInt.min(16).optional(),
  RUN_JAVASCRIPT_NEEDS_APPROVAL: z.enum(['true', 'false']).optional(),
  RUN_JAVASCRIPT_NETWORK_ISOLATION: z.enum(['required', 'auto', 'off']).optional(),
  RUN_JAVASCRIPT_MAX_WORKSPACE_ENTRIES: positiveInt.optional(),
});

/** Settings of the built-in http_fetch and run_javascript tools; a bad value names its variable. */
export function toolSettingsFromEnv(env: Env = process.env): ToolLimits {
  const set = Object.fromEntries(
    Object.keys(toolEnvSchema.shape).flatMap((k) => (nonEmpty(env[k]) ? [[k, nonEmpty(env[k])]] : [])),
  );
  const parsed = toolEnvSchema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${String(issue?.path[0])}: ${issue?.message}`);
  }
  const e = parsed.data;
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    httpFetch: defined({
      allowHosts: e.HTTP_FETCH_ALLOW_HOSTS?.split(',')
        .map((h) => h.trim())
        .filter(Boolean),
      maxBytes: e.HTTP_FETCH_MAX_BYTES,
      timeoutMs: e.HTTP_FETCH_TIMEOUT_MS,
    }),
    codeRunner: defined({
      timeoutMs: e.RUN_JAVASCRIPT_TIMEOUT_MS,
      memoryMb: e.RUN_JAVASCRIPT_MEMORY_MB,
      needsApproval: e.RUN_JAVASCRIPT_NEEDS_APPROVAL ? e.RUN_JAVASCRIPT_NEEDS_APPROVAL === 'true' : undefined,
      networkIsolation: e.RUN_JAVASCRIPT_NETWORK_ISOLATION,
      maxWorkspaceEntries: e.RUN_JAVASCRIPT_MAX_WORKSPACE_ENTRIES,
    }),
  };
}
