/**
 * The knowledge-base MCP server over streamable HTTP, bound to 127.0.0.1. The server is stateless: each POST
 * gets a fresh MCP server and transport, so nothing is kept between requests and any number of clients may
 * connect. With a token, every request must carry `Authorization: Bearer <token>` or gets 401.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createKnowledgeBaseMcpServer } from './server';

export const MCP_HTTP_PATH = '/mcp';
const HOST = '127.0.0.1';

export interface KnowledgeBaseHttpServerOptions {
  dataDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** When set, requests without `Authorization: Bearer <token>` are refused with 401. */
  token?: string;
}

export interface RunningHttpServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  close(): Promise<void>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** JSON-RPC error bodies, as MCP clients expect them even on HTTP errors. */
const rpcError = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

function authorized(req: http.IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Starts the server; resolves once it listens. */
export async function startKnowledgeBaseHttpServer(
  options: KnowledgeBaseHttpServerOptions,
): Promise<RunningHttpServer> {
  let allowedHosts: string[] = [];

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== MCP_HTTP_PATH)
      return sendJson(res, 404, rpcError(-32000, `not found; the MCP endpoint is ${MCP_HTTP_PATH}`));
    if (!authorized(req, options.token)) {
      return sendJson(res, 401, rpcError(-32001, 'missing or wrong bearer token'), {
        'www-authenticate': 'Bearer realm="mcp"',
      });
    }
    // Stateless: no session to stream to (GET) or to end (DELETE).
    if (req.method !== 'POST') return sendJson(res, 405, rpcError(-32000, 'method not allowed'), { allow: 'POST' });

    const server = createKnowledgeBaseMcpServer(options.dataDir);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      // A page in a browser must not reach this local server through a DNS name that resolves to 127.0.0.1.
      enableDnsRebindingProtection: true,
      allowedHosts,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      process.stderr.write(`knowledge-base MCP server: ${(err as Error)?.stack ?? String(err)}\n`);
      if (!res.headersSent) sendJson(res, 500, rpcError(-32603, 'internal server error'));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, HOST, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  allowedHosts = [`${HOST}:${port}`, `localhost:${port}`];

  return {
    url: `http://${HOST}:${port}${MCP_HTTP_PATH}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        httpServer.close((err) => (err ? reject(err) : resolve()));
        httpServer.closeAllConnections();
      }),
  };
}
