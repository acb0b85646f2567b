/**
 * Entry point: the knowledge-base MCP server over streamable HTTP on 127.0.0.1.
 *
 *   npx tsx src/servers/mcp-server/http.ts --data DIR [--port N]
 *
 * The first line on stdout is the endpoint URL (`--port 0`, the default, picks a free port). With
 * MCP_SERVER_TOKEN set, requests must carry `Authorization: Bearer <token>`.
 */
import { startKnowledgeBaseHttpServer } from './http-server';
import { parseServerOptions, runMain } from './options';

const USAGE =
  'usage: npx tsx src/servers/mcp-server/http.ts --data DIR [--port N]   (env MCP_SERVER_TOKEN: require a bearer token)';

runMain(async () => {
  const { dataDir, port } = parseServerOptions(process.argv.slice(2), USAGE);
  const token = process.env.MCP_SERVER_TOKEN || undefined;
  const server = await startKnowledgeBaseHttpServer({ dataDir, port, token });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(
    `knowledge-base MCP server: ${server.url}, data ${dataDir}${token ? ', bearer token required' : ''}\n`,
  );
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});
