/**
 * The mock LLM server: OpenAI Chat Completions (`POST /v1/chat/completions`) and Anthropic Messages
 * (`POST /v1/messages`) over plain HTTP, playing scripted scenarios with usage figures, latency and faults.
 * The real SDKs talk to it through their base URL, so tests and the offline demo run production code paths.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { conversationShape, PromptCache } from './prompt-cache';
import {
  caseLabel,
  caseMatches,
  loadScenarioDir,
  parseScenario,
  type ConversationStart,
  type Scenario,
  type Turn,
} from './scenario';
import { writeStreamReply } from './stream';
import {
  anthropicMessage,
  assistantTurns,
  errorReply,
  invalidRequest,
  lastUserOrToolContent,
  openaiCompletion,
  type ErrorReply,
  type UsageFigures,
  type Wire,
} from './wire';

export interface MockRequestLogEntry {
  seq: number;
  at: string;
  wire: Wire;
  scenario: string;
  turn: number;
  /** 1-based attempt at this turn of this conversation. */
  attempt: number;
  /** `ok`, `fault:<status>`, `fault:hang`, or `error:<status>` for requests the server could not play. */
  outcome: string;
  model: string;
  messageCount: number;
  lastUserOrToolContent: string;
  requestHash: string;
  /** The system prompt the model was given, exactly. */
  systemPrompt: string;
  /** For scenarios with cases: the `when.contains` of the case played (`a|b` for several, `(default)`). */
  case?: string;
  /** Requests of this server being answered at the moment this one arrived, itself included. */
  inFlight: number;
  /** Selected request headers; never the authorization or API-key headers. */
  headers: Record<string, string>;
  /** Where the request carried Anthropic `cache_control` breakpoints: `tools[2]`, `system[0]`, `messages[4]`. */
  cacheControl: string[];
  /** One line per message: `system`, `user`, `assistant->id1,id2`, `tool<-id1`. */
  shape: string[];
  /** The usage the reply reported (input includes cache reads and writes). */
  usage?: UsageFigures;
  /** The request asked for a streamed reply (`stream: true`) and got an event stream. */
  streamed?: boolean;
  /**
   * With `recordTextTimes`: when each piece of streamed text was written (epoch ms, sub-millisecond), with its
   * character offset in the answer; the bench measures token delivery from these.
   */
  textSentAt?: { offset: number; length: number; atMs: number }[];
}

export interface MockLlmServerOptions {
  port?: number;
  host?: string;
  scenarios?: Record<string, Scenario>;
  /** Folder of scenario files; defaults to the shipped src/mock-llm/scenarios. */
  scenarioDir?: string;
  defaultScenario?: string;
  /** Shortest prefix the simulated prompt cache stores, in estimated tokens (the providers' minimum: 1024). */
  promptCacheMinTokens?: number;
  /** Record when each piece of streamed text is written (`textSentAt` of the log entry); off by default. */
  recordTextTimes?: boolean;
}

export interface MockLlmServer {
  url: string;
  port: number;
  readonly requests: ReadonlyArray<MockRequestLogEntry>;
  addScenario(name: string, scenario: Scenario): void;
  clearLog(): void;
  close(): Promise<void>;
}

export const defaultScenarioDir = path.join(__dirname, 'scenarios');

const LOGGED_HEADERS = [
  'user-agent',
  'x-mock-scenario',
  'anthropic-version',
  'x-stainless-retry-count',
  'content-type',
];

function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/** Rate-limit headers like the providers send, so the adapters' header logging has something to read. */
function rateLimitReplyHeaders(wire: Wire, seq: number): Record<string, string> {
  const left = String(Math.max(0, 10_000 - seq));
  return wire === 'openai'
    ? { 'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-requests': left }
    : { 'anthropic-ratelimit-requests-limit': '10000', 'anthropic-ratelimit-requests-remaining': left };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

interface WireBody extends Record<string, unknown> {
  model?: string;
  system?: unknown;
  messages?: { role: string; content?: unknown }[];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: { text?: string }) => b.text ?? '').join('\n');
  return '';
}

function systemPromptOf(body: WireBody): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return [textOf(body.system), ...messages.filter((m) => m.role === 'system').map((m) => textOf(m.content))]
    .filter(Boolean)
    .join('\n');
}

/** System prompt plus first user message (and that message alone): stable for every turn of one conversation. */
function conversationStart(body: WireBody): ConversationStart {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = [textOf(body.system), ...messages.filter((m) => m.role === 'system').map((m) => textOf(m.content))];
  const input = textOf(messages.find((m) => m.role === 'user')?.content);
  return { opening: [...system, input].join('\n'), input };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startMockLlmServer(options: MockLlmServerOptions = {}): Promise<MockLlmServer> {
  const scenarios = new Map<string, Scenario>(
    Object.entries(loadScenarioDir(options.scenarioDir ?? defaultScenarioDir)),
  );
  for (const [name, s] of Object.entries(options.scenarios ?? {})) scenarios.set(name, parseScenario(s, name));
  const log: MockRequestLogEntry[] = [];
  const attempts = new Map<string, number>();
  /** Next turn of each `turnOrder: sequence` conversation, by scenario and case. */
  const sequence = new Map<string, number>();
  const promptCache = new PromptCache(options.promptCacheMinTokens);
  const hanging = new Set<http.ServerResponse>();
  let seq = 0;
  let inFlight = 0;

  function pickScenario(req: http.IncomingMessage, model: string): string | undefined {
    const header = req.headers['x-mock-scenario'];
    if (typeof header === 'string' && header) return header;
    if (scenarios.has(model)) return model;
    return options.defaultScenario;
  }

  async function handleCompletion(wire: Wire, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: WireBody;
    try {
      body = JSON.parse(raw);
    } catch {
      const reply = invalidRequest(wire, 'request body is not valid JSON');
      sendJson(res, reply.status, reply.body);
      return;
    }
    const model = String(body.model ?? '');
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const start = conversationStart(body);
    let turnIndex = assistantTurns(messages);
    const requestHash = crypto.createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 16);
    const scenarioName = pickScenario(req, model);
    const entry: MockRequestLogEntry = {
      seq: ++seq,
      at: new Date().toISOString(),
      wire,
      scenario: scenarioName ?? '',
      turn: turnIndex,
      attempt: 0,
      outcome: 'ok',
      model,
      messageCount: messages.length,
      lastUserOrToolContent: lastUserOrToolContent(wire, messages).slice(0, 2000),
      requestHash,
      inFlight: ++inFlight,
      systemPrompt: systemPromptOf(body),
      headers: Object.fromEntries(
        LOGGED_HEADERS.filter((h) => typeof req.headers[h] === 'string').map((h) => [h, req.headers[h] as string]),
      ),
      cacheControl: [],
      shape: conversationShape(wire, body),
    };
    const cache = promptCache.lookup(wire, body);
    entry.cacheControl = cache.breakpoints;
    log.push(entry);
    res.on('close', () => inFlight--);

    const fail = (reply: ErrorReply, outcome: string): void => {
      entry.outcome = outcome;
      sendJson(res, reply.status, reply.body, reply.headers);
    };

    const scenario = scenarioName ? scenarios.get(scenarioName) : undefined;
    if (!scenario) {
      const known = [...scenarios.keys()].sort().join(', ') || '(none)';
      fail(
        invalidRequest(
          wire,
          `mock LLM: no scenario "${scenarioName ?? model}"; set the model to a scenario name or send x-mock-scenario. Known: ${known}`,
        ),
        'error:400',
      );
      return;
    }
    const played = scenario.cases?.find((c) => caseMatches(c, start));
    const script = scenario.turns ?? played?.turns;
    if (!script) {
      fail(
        invalidRequest(
          wire,
          `mock scenario "${scenarioName}" has no case for a conversation opening "${start.opening.slice(0, 120)}"`,
        ),
        'error:400',
      );
      return;
    }
    if (played) entry.case = caseLabel(played);
    const sequenceKey = `${scenarioName}|${entry.case ?? ''}`;
    if (scenario.turnOrder === 'sequence') {
      turnIndex = sequence.get(sequenceKey) ?? 0;
      entry.turn = turnIndex;
    }
    const turn: Turn | undefined = script[turnIndex];
    if (!turn) {
      // A scripted model that runs out of turns fails loudly rather than inventing a reply.
      fail(
        invalidRequest(
          wire,
          `mock scenario "${scenarioName}" has no turn ${turnIndex} (it has ${script.length} turns)`,
        ),
        'error:400',
      );
      return;
    }

    // In sequence order a rewritten request is still the same turn, so its attempts count together.
    const key =
      scenario.turnOrder === 'sequence' ? `${sequenceKey}|${turnIndex}` : `${scenarioName}|${turnIndex}|${requestHash}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    entry.attempt = attempt;

    const fault = turn.alwaysFail ? turn.faults?.[0] : turn.faults?.[attempt - 1];
    if (fault && 'hang' in fault) {
      entry.outcome = 'fault:hang';
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    const delayMs = (fault && 'delayMs' in fault ? fault.delayMs : 0) + (turn.delayMs ?? 0);
    if (delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        res.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) {
        entry.outcome = 'aborted';
        return;
      }
    }
    if (fault && 'status' in fault) {
      fail(errorReply(wire, fault), `fault:${fault.status}`);
      return;
    }
    const streamed = body.stream === true;
    const breakAfterChars = fault && 'breakAfterChars' in fault ? fault.breakAfterChars : undefined;
    if (breakAfterChars !== undefined && !streamed) {
      fail(errorReply(wire, { status: 503, message: 'mock fault: connection dropped mid-answer' }), 'fault:503');
      return;
    }

    const replyChars = (turn.text ?? '').length + JSON.stringify(turn.toolCalls ?? []).length;
    const usage: UsageFigures = turn.usage
      ? { input: turn.usage.input, output: turn.usage.output, cached: turn.usage.cached ?? 0 }
      : { input: estimateTokens(raw.length), output: estimateTokens(replyChars), cached: 0 };
    // Scripted cache figures win; otherwise the simulated prompt cache decides.
    if (turn.usage?.cached === undefined) {
      usage.cached = Math.min(cache.read, usage.input);
      usage.cacheWrite = Math.min(cache.write, usage.input - usage.cached);
    }
    cache.commit();
    entry.usage = usage;
    if (scenario.turnOrder === 'sequence' && breakAfterChars === undefined) sequence.set(sequenceKey, turnIndex + 1);
    if (streamed) {
      entry.streamed = true;
      const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
      const ended = await writeStreamReply(res, {
        wire,
        turn,
        turnIndex,
        model,
        usage,
        includeUsage: streamOptions?.include_usage === true,
        headers: rateLimitReplyHeaders(wire, seq),
        breakAfterChars,
        ...(options.recordTextTimes
          ? {
              onTextSent: (offset: number, length: number) =>
                (entry.textSentAt ??= []).push({ offset, length, atMs: performance.timeOrigin + performance.now() }),
            }
          : {}),
      });
      if (ended === 'broken') entry.outcome = 'fault:break';
      else if (ended === 'aborted') entry.outcome = 'aborted';
      return;
    }
    sendJson(
      res,
      200,
      wire === 'openai'
        ? openaiCompletion(turn, turnIndex, model, usage)
        : anthropicMessage(turn, turnIndex, model, usage),
      rateLimitReplyHeaders(wire, seq),
    );
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mock');
    const p = url.pathname.replace(/\/+$/, '');
    if (req.method === 'POST' && (p === '/v1/chat/completions' || p === '/chat/completions'))
      return handleCompletion('openai', req, res);
    if (req.method === 'POST' && (p === '/v1/messages' || p === '/messages'))
      return handleCompletion('anthropic', req, res);
    if (req.method === 'GET' && p === '/health')
      return sendJson(res, 200, { ok: true, scenarios: [...scenarios.keys()].sort() });
    if (req.method === 'GET' && p === '/__log') return sendJson(res, 200, log);
    if (req.method === 'DELETE' && p === '/__log') {
      log.length = 0;
      attempts.clear();
      sequence.clear();
      promptCache.clear();
      return sendJson(res, 200, { ok: true });
    }
    const put = /^\/__scenarios\/([\w.-]+)$/.exec(p);
    if (req.method === 'PUT' && put) {
      try {
        scenarios.set(put[1] as string, parseScenario(JSON.parse(await readBody(req)), put[1] as string));
        return sendJson(res, 200, { ok: true });
      } catch (err) {
        return sendJson(res, 400, { error: (err as Error).message });
      }
    }
    sendJson(res, 404, { error: `mock LLM: no route ${req.method} ${p}` });
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => sendJson(res, 500, { error: (err as Error).message }));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    port,
    requests: log,
    addScenario: (name, scenario) => void scenarios.set(name, parseScenario(scenario, name)),
    clearLog: () => {
      log.length = 0;
      attempts.clear();
      sequence.clear();
      promptCache.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
