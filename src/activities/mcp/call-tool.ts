/**
 * The `mcp:callTool` activity: one call of one MCP tool. It parses and checks the model's arguments against the
 * tool's input schema, sends the call over the worker's pooled connection and turns the answer into the text the
 * model reads, or into a typed failure: `ToolArgumentsInvalid`, `UnknownTool` and `ToolFailed` (the tool said
 * `isError`) are not retried; `McpServerUnavailable` is, on a fresh connection.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { redactDiagnostic, redactedError } from '../../security/redaction';
import { msToNumber } from '@temporalio/common/lib/time';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { ErrorType } from '../../contracts/errors';
import type { McpCallInput } from '../../contracts/tool-catalog';
import type { ToolCallOutput } from '../../contracts/tool-specs';
import { annotateToolCall, annotateToolOutcome } from '../../telemetry/genai';
import type { McpClientPool } from './client';
import { modelToolName } from './discovery';

/** The most text one call returns; a huge answer must not flood the conversation. */
export const MCP_OUTPUT_LIMIT_CHARS = 100_000;

type ArgumentCheck = (args: unknown) => string | undefined;

const validator = new AjvJsonSchemaValidator();
/** Compiled argument checks, one per listed tool (a fresh listing gives fresh objects, and fresh checks). */
const checks = new WeakMap<Tool, ArgumentCheck>();

function argumentCheck(tool: Tool): ArgumentCheck {
  let check = checks.get(tool);
  if (!check) {
    try {
      const { $schema: _ignored, ...schema } = tool.inputSchema as Record<string, unknown>;
      const validate = validator.getValidator(schema as never);
      check = (args) => {
        const result = validate(args);
        return result.valid ? undefined : result.errorMessage;
      };
    } catch {
      // A schema Ajv cannot compile is the server's to enforce; the server validates every call anyway.
      check = () => undefined;
    }
    checks.set(tool, check);
  }
  return check;
}

function failure(type: ErrorType, message: string, nonRetryable: boolean, cause?: unknown): ApplicationFailure {
  // A server's error text is outside input that goes into history: censor credentials in it first.
  return ApplicationFailure.create({
    type,
    message: redactDiagnostic(message),
    nonRetryable,
    cause: cause instanceof Error ? redactedError(cause) : undefined,
  });
}

/** The model's argument text as a JSON object; an empty string means no arguments. */
function parseArguments(label: string, raw: string): Record<string, unknown> {
  const text = raw.trim() === '' ? '{}' : raw;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw failure(
      ErrorType.ToolArgumentsInvalid,
      `${label}: arguments are not valid JSON (${(err as Error).message})`,
      true,
      err,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw failure(ErrorType.ToolArgumentsInvalid, `${label}: arguments must be a JSON object`, true);
  }
  return json as Record<string, unknown>;
}

function blockText(block: CallToolResult['content'][number]): string | undefined {
  if (block.type === 'text') return block.text;
  if (block.type === 'resource' && 'text' in block.resource) return block.resource.text;
  return undefined;
}

function blockPlaceholder(block: CallToolResult['content'][number]): string {
  switch (block.type) {
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}]`;
    case 'resource_link':
      return `[resource ${block.uri}]`;
    case 'resource':
      return `[resource ${block.resource.uri}]`;
    default:
      return `[${block.type}]`;
  }
}

/** Text blocks joined; structured content as JSON when there is no text; placeholders for anything else. */
export function flattenToolResult(result: CallToolResult): string {
  const content = result.content ?? [];
  const texts = content.map(blockText).filter((t): t is string => t !== undefined);
  let text: string;
  if (texts.length > 0) text = texts.join('\n');
  else if (result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  else text = content.map(blockPlaceholder).join('\n');
  return text.length <= MCP_OUTPUT_LIMIT_CHARS ? text : `${text.slice(0, MCP_OUTPUT_LIMIT_CHARS)} … (truncated)`;
}

/** Maps an error the server answered with (not a connection fault; the pool typed those). */
function protocolFailure(label: string, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof McpError) {
    if (err.code === ErrorCode.InvalidParams)
      return failure(ErrorType.ToolArgumentsInvalid, `${label}: ${err.message}`, true, err);
    // An internal error of the server may pass; a method it does not know or a request it refuses will not.
    return failure(ErrorType.ToolFailed, `${label}: ${err.message}`, err.code !== ErrorCode.InternalError, err);
  }
  // Anything unforeseen stays retryable; the tool's attempt limit bounds it.
  const error = err instanceof Error ? err : new Error(String(err));
  return failure(ErrorType.ToolFailed, `${label}: ${error.message}`, false, error);
}

/** Builds the `mcp:callTool` activity over a connection pool. */
export function createMcpCallTool(pool: McpClientPool): (input: McpCallInput) => Promise<ToolCallOutput> {
  return async function callMcpTool(input: McpCallInput): Promise<ToolCallOutput> {
    const { server, tool } = input;
    const label = modelToolName(server.name, tool);
    const meta = { server: server.name, tool, toolCallId: input.toolCallId };
    const started = Date.now();
    annotateToolCall({ name: label, callId: input.toolCallId });
    try {
      const args = parseArguments(label, input.arguments);
      if (server.allowTools && !server.allowTools.includes(tool)) {
        throw failure(
          ErrorType.UnknownTool,
          `${label}: tool "${tool}" is not in the allowTools of MCP server "${server.name}"`,
          true,
        );
      }
      const result = await pool.use(server, `calling ${tool}`, async (connection) => {
        const tools = await connection.listTools();
        const found = tools.find((t) => t.name === tool);
        if (!found) {
          const names = tools.map((t) => t.name).join(', ') || '(none)';
          throw failure(
            ErrorType.UnknownTool,
            `${label}: MCP server "${server.name}" has no tool "${tool}"; it has: ${names}`,
            true,
          );
        }
        const problem = argumentCheck(found)(args);
        if (problem) throw failure(ErrorType.ToolArgumentsInvalid, `${label}: ${problem}`, true);
        return connection.callTool(tool, args, {
          timeoutMs: msToNumber(server.timeout),
          signal: Context.current().cancellationSignal,
          meta: { idempotencyKey: input.idempotencyKey, toolCallId: input.toolCallId },
        });
      });
      const content = flattenToolResult(result);
      if (result.isError) {
        // The tool ran and reported a failure; the model reads why. Repeating the same call would repeat it.
        throw failure(ErrorType.ToolFailed, `${label}: ${content || 'the tool reported an error'}`, true);
      }
      log.info('mcp tool call completed', { ...meta, durationMs: Date.now() - started, outputChars: content.length });
      annotateToolOutcome({ ok: true });
      return { content };
    } catch (err) {
      const typed = protocolFailure(label, err);
      annotateToolOutcome({ ok: false, type: typed.type });
      log.warn('mcp tool call failed', {
        ...meta,
        durationMs: Date.now() - started,
        type: typed.type,
        nonRetryable: typed.nonRetryable,
        error: typed.message,
      });
      throw typed;
    }
  };
}
