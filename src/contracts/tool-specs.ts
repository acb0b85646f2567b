/**
 * The built-in tools' contracts: name, description, argument schema and side-effect class. They live in
 * common because the workflow needs them (to tell the model about tools and pick each tool's retry policy)
 * and the activities need them (to validate arguments); the implementations live in src/activities/tools/.
 */
import { z } from 'zod';
import type { ToolDefinition } from './messages';

/** `none` tools only read; `idempotent` tools may write but repeating them is harmless; `destructive` need care. */
export type SideEffects = 'none' | 'idempotent' | 'destructive';

export interface ToolSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  sideEffects: SideEffects;
  /** Start-to-close timeout of one attempt, in a Temporal duration string. */
  timeout: string;
  maximumAttempts: number;
  /**
   * The tool hands each call's idempotency key to the system it changes, so a retried attempt does not act
   * twice. A destructive tool without it gets one attempt, whatever `maximumAttempts` says (see `attemptsFor`).
   */
  passesIdempotencyKey?: boolean;
}

/**
 * How many attempts a tool call gets. A destructive tool is run at most once unless it passes its idempotency
 * key on: a person approves one action, and a retry after a timeout could otherwise take it two or three times.
 */
export function attemptsFor(tool: {
  sideEffects: SideEffects;
  maximumAttempts: number;
  passesIdempotencyKey?: boolean;
}): number {
  return tool.sideEffects === 'destructive' && tool.passesIdempotencyKey !== true ? 1 : tool.maximumAttempts;
}

function defineToolSpec<S extends z.ZodType>(spec: ToolSpec<S>): ToolSpec<S> {
  return spec;
}

export const calculatorSpec = defineToolSpec({
  name: 'calculator',
  description:
    'Evaluate an arithmetic expression with + - * / % ^, parentheses, decimals and the functions sqrt, abs, round, floor, ceil, min, max, log, exp.',
  schema: z.object({ expression: z.string().min(1).max(500) }).strict(),
  sideEffects: 'none',
  timeout: '10s',
  maximumAttempts: 3,
});

export const searchKnowledgeBaseSpec = defineToolSpec({
  name: 'search_knowledge_base',
  description:
    'Search the knowledge base of markdown documents. Returns the best matching passages with their source file.',
  schema: z.object({ query: z.string().min(1).max(500), limit: z.number().int().min(1).max(10).optional() }).strict(),
  sideEffects: 'none',
  timeout: '30s',
  maximumAttempts: 3,
});

export const readFileSpec = defineToolSpec({
  name: 'read_file',
  description: 'Read a UTF-8 text file from the workspace. Paths are relative to the workspace root.',
  schema: z.object({ path: z.string().min(1).max(500) }).strict(),
  sideEffects: 'none',
  timeout: '10s',
  maximumAttempts: 3,
});

export const listFilesSpec = defineToolSpec({
  name: 'list_files',
  description: 'List files and folders in a workspace folder (default: the workspace root).',
  schema: z.object({ path: z.string().max(500).optional() }).strict(),
  sideEffects: 'none',
  timeout: '10s',
  maximumAttempts: 3,
});

export const writeFileSpec = defineToolSpec({
  name: 'write_file',
  description: 'Write a UTF-8 text file in the workspace, creating folders as needed and replacing any existing file.',
  schema: z.object({ path: z.string().min(1).max(500), content: z.string().max(1_000_000) }).strict(),
  sideEffects: 'idempotent',
  timeout: '10s',
  maximumAttempts: 5,
});

export const builtinToolSpecs = [calculatorSpec, searchKnowledgeBaseSpec, readFileSpec, listFilesSpec, writeFileSpec];

export const toolSpecsByName: ReadonlyMap<string, ToolSpec> = new Map(builtinToolSpecs.map((s) => [s.name, s]));

/** Activity type of a tool, as shown in the Web UI: one row per tool call named after the tool. */
export const toolActivityName = (toolName: string): string => `tool:${toolName}`;

/** The tool as the model sees it: name, description and JSON schema derived from the zod schema. */
export function toolDefinition(spec: ToolSpec): ToolDefinition {
  const parameters = z.toJSONSchema(spec.schema, { target: 'draft-7' }) as Record<string, unknown>;
  delete parameters.$schema;
  return { name: spec.name, description: spec.description, parameters };
}

/** Input of every tool activity. */
export interface ToolCallInput {
  /** The raw JSON text of the arguments, validated by the activity against the tool's schema. */
  arguments: string;
  toolCallId: string;
  /** Stable across retries and replays: derived from workflow id and step, for tools with side effects. */
  idempotencyKey: string;
  /**
   * The agent's own host allow-list for network tools (`httpFetchAllowHosts`): when present, a tool that
   * fetches may reach only these hosts, within the worker's limits (it never widens them).
   */
  allowHosts?: string[];
}

/**
 * One host allow-list entry: an exact host name or IP address, or `*.example.com` for its subdomains. No
 * scheme, port, path or wildcard elsewhere, so an entry names hosts and nothing else.
 */
export const hostPatternSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/,
    'a host name, an IP address, or *.example.com',
  );

/** An agent's `httpFetchAllowHosts`: the only hosts its http_fetch calls may reach (narrowing the worker's rules). */
export const agentAllowHostsSchema = z.array(hostPatternSchema).min(1).max(100);

/** Output of every tool activity: the text the model reads. */
export interface ToolCallOutput {
  content: string;
}
