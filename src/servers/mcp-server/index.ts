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
 * `command` and `args` that start the stdio server on `dataDir` with this Node, in one process (no npx, no shell),
 * so stopping it stops the server. An installed package runs its compiled `stdio.js` with plain Node; inside the
 * repository (this module loaded as TypeScript) the source runs through tsx's loader, a dev dependency there.
 */
export function knowledgeBaseStdioCommand(dataDir: string): { command: string; args: string[] } {
  const compiled = __filename.endsWith('.js');
  const loader = compiled ? [] : ['--import', pathToFileURL(require.resolve('tsx')).href];
  return {
    command: process.execPath,
    args: [...loader, path.join(__dirname, compiled ? 'stdio.js' : 'stdio.ts'), '--data', path.resolve(dataDir)],
  };
}
