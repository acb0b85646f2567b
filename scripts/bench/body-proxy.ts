/**
 * A tiny recording HTTP proxy in front of the mock LLM server. The mock's request log keeps no request bodies, and
 * the prompt-overhead figure needs exactly what the model was sent, so bench workers that must be measured talk to
 * the mock through this. A client that hangs up (a killed worker) makes it hang up upstream too, so the mock logs
 * the interrupted call as aborted, as it would without the proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  /** The raw body, as the client sent it. */
  body: string;
}

export interface BodyProxy {
  url: string;
  readonly requests: RecordedRequest[];
  clear(): void;
  close(): Promise<void>;
}

export async function startBodyProxy(target: string): Promise<BodyProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ at: Date.now(), method: req.method ?? '', path: req.url ?? '', body: body.toString('utf8') });
      const forward = http.request(
        {
          agent,
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `bench proxy: ${err.message}` }));
      });
      // The client went away before the answer: drop the upstream request as well.
      res.on('close', () => {
        if (!res.writableFinished) forward.destroy();
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    clear: () => void (requests.length = 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
