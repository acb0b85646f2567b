/**
 * `http_fetch`: GET a web page and read it as text. Bounded in every direction: one deadline for the whole
 * request including redirects, a byte limit on the body, a character limit on the text, at most a few
 * redirects, and no private network: every address a host name resolves to is checked at connection time (so
 * a DNS answer cannot change between the check and the connection), redirects are checked hop by hop, and
 * loopback, private, link-local and other non-public addresses are refused unless the host is allow-listed.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Context } from '@temporalio/activity';
import { compile } from 'html-to-text';
import { z } from 'zod';
import { ErrorType } from '../../contracts/errors';
import { hostAllowed } from './address-policy';
import {
  describeRefusal,
  guardedLookup,
  literalAddressRefusal,
  type AddressRefusal,
} from '../../security/address-guard';
import { defineTool, type DefinedTool } from './define-tool';
import { ToolError } from './tool-activity';

export interface HttpFetchSettings {
  /** Hosts that may resolve to private or loopback addresses (HTTP_FETCH_ALLOW_HOSTS). */
  allowHosts: string[];
  /** The most body bytes read; the rest is cut off (HTTP_FETCH_MAX_BYTES). */
  maxBytes: number;
  /** Deadline of one fetch, redirects included (HTTP_FETCH_TIMEOUT_MS). */
  timeoutMs: number;
  /** The most characters of text returned to the model. */
  maxChars: number;
  maxRedirects: number;
}

export const defaultHttpFetchSettings: HttpFetchSettings = {
  allowHosts: [],
  maxBytes: 2 * 1024 * 1024,
  timeoutMs: 15_000,
  maxChars: 40_000,
  maxRedirects: 5,
};

export const httpFetchSchema = z
  .object({
    url: z
      .string()
      .url()
      .max(2000)
      .refine((u) => /^https?:\/\//i.test(u), 'only http and https URLs'),
    /** Fewer characters than the worker's limit, when the model wants only the start of a page. */
    maxChars: z.number().int().min(100).optional(),
  })
  .strict();

/** What the model reads. */
export interface FetchedPage {
  url: string;
  status: number;
  contentType: string;
  text: string;
  truncated: boolean;
}

const htmlToText = compile({
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'table', options: { uppercaseHeaderCells: false } },
  ],
});

const denied = (message: string) => new ToolError(ErrorType.ToolPermissionDenied, message);
const failed = (message: string, nonRetryable = true, cause?: unknown) =>
  new ToolError(ErrorType.ToolFailed, message, { nonRetryable, cause });

/** Refuses a URL whose scheme or literal address is off limits; host names are checked when they resolve. */
function checkUrl(url: URL, settings: HttpFetchSettings, agentHosts?: readonly string[]): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw denied(`${url.href}: only http and https URLs`);
  if (url.username || url.password) throw denied(`${url.origin}: URLs with credentials are refused`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // The agent's own list narrows what the worker allows; it is checked first and never lets a host past the
  // worker's address policy below.
  if (agentHosts && !hostAllowed(host, agentHosts)) {
    throw denied(
      `${url.hostname} is not in this agent's http_fetch allow-list (httpFetchAllowHosts: ${agentHosts.join(', ')})`,
    );
  }
  if (hostAllowed(host, settings.allowHosts)) return;
  // A literal IP address never reaches the resolver, so it is checked here.
  const refusal = literalAddressRefusal(url.hostname, settings.allowHosts);
  if (refusal) throw denied(blockedMessage(refusal));
}

function blockedMessage(refusal: AddressRefusal): string {
  return `${describeRefusal(refusal)}; http_fetch reaches only public addresses unless the host is in HTTP_FETCH_ALLOW_HOSTS`;
}

/** A resolver that refuses the whole host when any of its addresses is off limits. */
function checkingLookup(settings: HttpFetchSettings): LookupFunction {
  return guardedLookup(settings.allowHosts, (refusal) => denied(blockedMessage(refusal)));
}

interface RawResponse {
  status: number;
  location?: string;
  contentType: string;
  body: Buffer;
  truncated: boolean;
}

/** One GET, no redirects followed; the body is read up to `maxBytes`. */
function get(url: URL, settings: HttpFetchSettings, signal: AbortSignal): Promise<RawResponse> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      url,
      {
        lookup: checkingLookup(settings),
        signal,
        headers: {
          'user-agent': 'durable-agents-http-fetch/0.1',
          accept: 'text/html,application/xhtml+xml,text/plain,application/json;q=0.9,*/*;q=0.5',
          'accept-encoding': 'identity',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            contentType: res.headers['content-type'] ?? '',
            body: Buffer.concat(chunks),
            truncated,
          });
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = settings.maxBytes - size;
          chunks.push(chunk.subarray(0, room));
          size += Math.min(chunk.length, room);
          if (chunk.length >= room) {
            // Enough read: stop the download rather than pull the rest of a huge body over the wire.
            truncated = true;
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', (err) => (truncated ? undefined : reject(err)));
      },
    );
    req.on('error', reject);
  });
}

function textOf(response: RawResponse): string {
  const type = response.contentType.split(';')[0]?.trim().toLowerCase() || 'application/octet-stream';
  const charset = /charset=([\w-]+)/i.exec(response.contentType)?.[1]?.toLowerCase();
  let decoded: string;
  try {
    decoded = new TextDecoder(charset ?? 'utf-8').decode(response.body);
  } catch {
    decoded = response.body.toString('utf8');
  }
  if (type === 'text/html' || type === 'application/xhtml+xml') return htmlToText(decoded);
  if (type.startsWith('text/') || /[/+](json|xml|javascript|x-yaml|yaml|csv)$/.test(type)) return decoded;
  throw failed(`the response is ${type}, not text`);
}

function networkFailure(url: URL, err: unknown): ToolError {
  if (err instanceof ToolError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const message = `${url.origin}: ${(err as Error).message}`;
  // A name that does not exist stays missing; a refused or reset connection may be back on the next attempt.
  if (code === 'ENOTFOUND') return failed(message, true, err);
  return failed(message, false, err);
}

/**
 * Fetches `rawUrl` within the settings' limits. Throws a {@link ToolError}: `ToolPermissionDenied` for an
 * address off limits, `ToolTimedOut` past the deadline (retryable), `ToolFailed` otherwise.
 */
export async function fetchPage(
  rawUrl: string,
  settings: HttpFetchSettings,
  cancel?: AbortSignal,
  maxChars = settings.maxChars,
  agentHosts?: readonly string[],
): Promise<FetchedPage> {
  const deadline = AbortSignal.timeout(settings.timeoutMs);
  const signal = cancel ? AbortSignal.any([deadline, cancel]) : deadline;
  let url = new URL(rawUrl);
  for (let hop = 0; ; hop++) {
    // Every hop, redirects included, is checked against both the worker's rules and the agent's list.
    checkUrl(url, settings, agentHosts);
    let response: RawResponse;
    try {
      response = await get(url, settings, signal);
    } catch (err) {
      if (deadline.aborted) {
        throw new ToolError(
          ErrorType.ToolTimedOut,
          `${url.origin}: no complete answer within ${settings.timeoutMs} ms`,
          {
            nonRetryable: false,
          },
        );
      }
      if (cancel?.aborted) throw err;
      throw networkFailure(url, err);
    }
    if (response.status >= 300 && response.status < 400 && response.location) {
      if (hop >= settings.maxRedirects) throw failed(`${rawUrl}: more than ${settings.maxRedirects} redirects`);
      // The next hop is checked like the first: a public page cannot redirect the worker into the private network.
      url = new URL(response.location, url);
      continue;
    }
    if (response.status >= 400) {
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      throw failed(`${url.href} answered HTTP ${response.status}`, !retryable);
    }
    const full = textOf(response).trim();
    const cut = full.length > maxChars;
    return {
      url: url.href,
      status: response.status,
      contentType: response.contentType,
      text: cut ? full.slice(0, maxChars) : full,
      truncated: cut || response.truncated,
    };
  }
}

/** The page as the model reads it: where it came from, then its text. */
export function formatPage(page: FetchedPage): string {
  const note = page.truncated ? '\n\n(truncated: the page is longer than the fetch limit)' : '';
  return `URL: ${page.url}\nStatus: ${page.status}\nContent-Type: ${page.contentType}\n\n${page.text}${note}`;
}

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    // Outside an activity (a unit test calling the tool directly) there is nothing to cancel.
    return undefined;
  }
}

/** The `http_fetch` tool, with the worker's settings. */
export function createHttpFetchTool(settings: Partial<HttpFetchSettings> = {}): DefinedTool {
  const resolved = { ...defaultHttpFetchSettings, ...settings };
  return defineTool({
    name: 'http_fetch',
    description:
      'Fetch a public web page or text document with HTTP GET and return its text (HTML is converted to plain text). Private and local network addresses are refused.',
    schema: httpFetchSchema,
    sideEffects: 'none',
    // The activity's own timeout leaves the tool's deadline room to report ToolTimedOut itself.
    timeout: `${Math.ceil(resolved.timeoutMs / 1000) + 10}s`,
    retry: { maximumAttempts: 3 },
    run: async ({ url, maxChars }, call) =>
      formatPage(
        await fetchPage(
          url,
          resolved,
          cancellationSignal(),
          Math.min(maxChars ?? resolved.maxChars, resolved.maxChars),
          call.allowHosts,
        ),
      ),
  });
}
