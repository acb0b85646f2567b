/**
 * The knowledge-base MCP server as a library: build it, serve it over HTTP in-process, or get the command that
 * starts it over stdio (for an MCP server the worker's operator declares in AGENT_MCP_SERVERS_FILE or createAgentWorker's
 * `mcpServers`).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export { createKnowledgeBaseMcpServer, KNOWLEDGE_BASE_SERVER_INFO } from './server';
export {
  startKnowledgeBaseHttpServer,
  MCP_HTTP_PATH,
  type KnowledgeBaseHttpServerOptions,
  type RunningHttpServer,
} from './http-server';
export { addNote, deleteDocument, listDocuments, DocumentError } from './documents';

/**
 * `command` and `args` that start the stdio server on `dataDir` with this Node and tsx's loader, in one
 * process (no npx, no shell), so stopping it stops the server.
 */
export function knowledgeBaseStdioCommand(dataDir: string): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [
      '--import',
      pathToFileURL(require.resolve('tsx')).href,
      path.join(__dirname, 'stdio.ts'),
      '--data',
      path.resolve(dataDir),
    ],
  };
}
