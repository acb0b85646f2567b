/**
 * The agent console's built files under /console. Any path that names no file gets index.html, so the console's
 * own client-side routes (`/console/runs/abc`) load it. Every answer carries a Content-Security-Policy that allows
 * only this origin: no CDN, no inline script or style, so a run's text shown by the console can never run.
 * Without a built console, /console says how to build it.
 */
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ApiError, ApiErrorCode } from '../errors';

/** Only this origin, for everything; no inline code, no framing by other sites. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secureHeaders(reply: FastifyReply): void {
  void reply.header('content-security-policy', CONSOLE_CSP);
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('referrer-policy', 'no-referrer');
}

/** What a request path under /console names: a file of the build, a client-side route, or nothing allowed. */
export type ConsolePath = { file: string } | { route: true } | { refused: true } | { missing: true };

/**
 * Reads a raw request path (after `/console/`) against `root`: decoded once, and any `..` or dot segment,
 * backslash or NUL byte is refused before the file system is asked. A path without a file extension that names
 * no file is a client-side route (index.html), and so is every run page (`runs/<id>`); any other path with an
 * extension that names no file is missing.
 */
export function consolePathOf(root: string, rawPath: string): ConsolePath {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { refused: true };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { refused: true };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return { refused: true };
  if (segments.length === 0) return { route: true };
  const relative = segments.join('/');
  const full = path.resolve(root, relative);
  if (!full.startsWith(path.resolve(root) + path.sep)) return { refused: true };
  try {
    if (fs.statSync(full).isFile()) return { file: relative };
  } catch {
    // Not there: a route or a missing file, by its name.
  }
  // A run page's id may hold a dot (`runs/report.v2`): under `runs/` every path is the console's own route.
  if (segments[0] === 'runs' && segments.length > 1) return { route: true };
  return path.extname(relative) ? { missing: true } : { route: true };
}

export const consoleRoutes =
  (consoleDir: string | undefined): FastifyPluginAsync =>
  async (app) => {
    if (!consoleDir) {
      const notBuilt = async () => {
        throw new ApiError(
          404,
          ApiErrorCode.ConsoleNotBuilt,
          'the console is not built: run `npm run build:console` (or set AGENT_CONSOLE_DIR to a built console)',
        );
      };
      app.get('/console', { schema: { hide: true } }, notBuilt);
      app.get('/console/*', { schema: { hide: true } }, notBuilt);
      return;
    }
    const root = path.resolve(consoleDir);
    // serve: false: only reply.sendFile; the routes below decide what each path means.
    await app.register(fastifyStatic, { root, serve: false, dotfiles: 'deny', index: false });
    const answer = (rawPath: string, reply: FastifyReply) => {
      secureHeaders(reply);
      const found = consolePathOf(root, rawPath);
      if ('refused' in found || 'missing' in found) {
        throw new ApiError(404, ApiErrorCode.NotFound, 'no such file in the console');
      }
      if ('file' in found && found.file !== 'index.html') return reply.sendFile(found.file);
      // The console's own routes: index.html, never cached, so a new build is picked up at once.
      void reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    };
    app.get('/console', { schema: { hide: true } }, (_request, reply) => answer('', reply));
    app.get('/console/*', { schema: { hide: true } }, (request, reply) => {
      // The raw path (before Fastify decodes it), so `..%2f` is seen as what it is.
      const raw = (request.raw.url ?? '').split('?')[0]?.slice('/console/'.length) ?? '';
      return answer(raw, reply);
    });
  };
