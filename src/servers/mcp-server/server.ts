/**
 * The knowledge-base MCP server shipped with the project: search, list, delete and add markdown documents in
 * one data folder. Tests and the demo run it over stdio and over streamable HTTP; its tool annotations show
 * how read-only, idempotent and destructive tools reach an agent (no approval, no approval, approval).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { searchKnowledgeBase } from '../../activities/tools/knowledge-base';
import { searchKnowledgeBaseSpec } from '../../contracts/tool-specs';
import { addNote, deleteDocument, listDocuments } from './documents';

export const KNOWLEDGE_BASE_SERVER_INFO = { name: 'durable-agents-knowledge-base', version: '0.1.0' };

/**
 * Runs a tool body and answers with its text. A thrown error becomes an `isError` result carrying the message
 * (the SDK does that for every tool), which the client's agent reads as the tool's failure.
 */
async function text(run: () => Promise<string>): Promise<CallToolResult> {
  return { content: [{ type: 'text', text: await run() }] };
}

/** A new server over `dataDir`. Each connection (a stdio process, an HTTP request) gets its own instance. */
export function createKnowledgeBaseMcpServer(dataDir: string): McpServer {
  const server = new McpServer(KNOWLEDGE_BASE_SERVER_INFO, {
    instructions: 'Markdown documents about running AI agents on Temporal. Search before answering; cite the source.',
  });

  server.registerTool(
    searchKnowledgeBaseSpec.name,
    {
      description: searchKnowledgeBaseSpec.description,
      inputSchema: searchKnowledgeBaseSpec.schema,
      annotations: { title: 'Search the knowledge base', readOnlyHint: true, openWorldHint: false },
    },
    (args) => text(() => searchKnowledgeBase(dataDir, args)),
  );

  server.registerTool(
    'list_documents',
    {
      description: 'List the markdown documents in the knowledge base, one per line: file — title.',
      inputSchema: z.object({}).strict(),
      annotations: { title: 'List documents', readOnlyHint: true, openWorldHint: false },
    },
    () => text(() => listDocuments(dataDir)),
  );

  server.registerTool(
    'delete_document',
    {
      description:
        'Delete one markdown document from the knowledge base. The file path is relative to the knowledge base folder, as list_documents shows it.',
      inputSchema: z.object({ file: z.string().min(1).max(500) }).strict(),
      annotations: {
        title: 'Delete a document',
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    (args) => text(() => deleteDocument(dataDir, args)),
  );

  server.registerTool(
    'add_note',
    {
      description:
        'Save a short markdown note in the knowledge base as notes/<title>.md, so later searches find it. Saving the same note twice changes nothing.',
      inputSchema: z.object({ title: z.string().min(1).max(200), text: z.string().min(1).max(100_000) }).strict(),
      annotations: {
        title: 'Add a note',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    (args) => text(() => addNote(dataDir, args)),
  );

  return server;
}
