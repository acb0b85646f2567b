/**
 * Entry point: the knowledge-base MCP server over stdio, for an MCP client to spawn.
 *
 *   npx tsx src/servers/mcp-server/stdio.ts --data DIR
 *
 * stdout carries the protocol only; diagnostics go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { parseServerOptions, runMain } from './options';
import { createKnowledgeBaseMcpServer } from './server';

const USAGE = 'usage: npx tsx src/servers/mcp-server/stdio.ts --data DIR';

runMain(async () => {
  const { dataDir } = parseServerOptions(process.argv.slice(2), USAGE);
  const server = createKnowledgeBaseMcpServer(dataDir);
  await server.connect(new StdioServerTransport());
  // The client closes stdin to stop the server; exit then rather than wait for its SIGTERM.
  process.stdin.once('close', () => {
    void server.close().finally(() => process.exit(0));
  });
});
