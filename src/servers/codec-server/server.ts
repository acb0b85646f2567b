/**
 * The codec server: `/encode` and `/decode` for the Temporal Web UI (and `temporal --codec-endpoint`), so a
 * person can read encrypted payloads in their browser while the Temporal server only ever stores ciphertext.
 * Only the configured UI origin may call it from a browser, every request needs the bearer token, and it
 * listens on 127.0.0.1 unless told otherwise.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { AesGcmPayloadCodec, type PayloadKeyring } from '../../security/payload-codec';

/** What the codec server listens on and whom it lets in; config/codec-server.ts fills it from the environment. */
export interface CodecServerSettings {
  host: string;
  port: number;
  /** The Web UI origin allowed by CORS; browsers on any other origin are refused. */
  allowedOrigin: string;
  /** Bearer token every request must carry. */
  token: string;
  keys: PayloadKeyring;
}

export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Temporal payloads are at most a few MB; base64 adds a third. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
/** The JSON form of `Payloads` the Web UI and the Temporal CLI send: bytes as base64. */
const payloadsBodySchema = z
  .object({
    payloads: z.array(
      z.object({
        metadata: z.record(z.string(), base64).optional(),
        data: base64.optional(),
      }),
    ),
  })
  .strict();

type JsonPayload = z.infer<typeof payloadsBodySchema>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpProblem(413, `body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Constant-time comparison, so the token cannot be guessed a byte at a time from response timings. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = crypto
    .createHash('sha256')
    .update(match[1] as string)
    .digest();
  const expected = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(given, expected);
}

export async function startCodecServer(settings: CodecServerSettings): Promise<CodecServer> {
  const codec = new AesGcmPayloadCodec(settings.keys);

  const corsHeaders = (): Record<string, string> => ({
    'access-control-allow-origin': settings.allowedOrigin,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  });

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.headersSent) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { 'content-type': 'application/json' } : {}),
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(text);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    // Browsers always send Origin on cross-origin calls; a page on any other origin gets nothing back.
    if (origin !== undefined && origin !== settings.allowedOrigin) {
      return send(res, 403, { error: `origin ${origin} is not allowed` });
    }
    const cors = origin ? corsHeaders() : {};
    const path = new URL(req.url ?? '/', 'http://codec').pathname.replace(/\/+$/, '');
    const action = path.endsWith('/encode') ? 'encode' : path.endsWith('/decode') ? 'decode' : undefined;

    if (req.method === 'OPTIONS') {
      // Preflight: answered without the token (browsers never send credentials on a preflight).
      if (!action) return send(res, 404, undefined, cors);
      return send(res, 204, undefined, {
        ...cors,
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'Authorization, Content-Type, X-Namespace',
        'access-control-max-age': '600',
      });
    }
    if (!tokenMatches(req.headers.authorization, settings.token)) {
      return send(res, 401, { error: 'missing or wrong bearer token' }, { ...cors, 'www-authenticate': 'Bearer' });
    }
    if (!action) return send(res, 404, { error: 'POST /encode or /decode' }, cors);
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' }, { ...cors, allow: 'POST, OPTIONS' });

    let parsed: z.infer<typeof payloadsBodySchema>;
    try {
      const body = payloadsBodySchema.safeParse(JSON.parse(await readBody(req)));
      if (!body.success) {
        throw new HttpProblem(
          400,
          `body must be {"payloads":[{"metadata":{…},"data":"<base64>"}]}: ${body.error.issues[0]?.message}`,
        );
      }
      parsed = body.data;
    } catch (err) {
      if (err instanceof HttpProblem) return send(res, err.status, { error: err.message }, cors);
      return send(res, 400, { error: 'body is not JSON' }, cors);
    }
    try {
      const payloads = parsed.payloads.map(fromJson);
      const out = action === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      return send(res, 200, { payloads: out.map(toJson) }, cors);
    } catch (err) {
      return send(res, 400, { error: (err as Error).message }, cors);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: (err as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
