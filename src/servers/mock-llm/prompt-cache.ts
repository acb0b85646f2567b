/**
 * A simulated prompt cache for the mock LLM server, so cache accounting is tested end to end. A request is
 * seen as a list of segments in the providers' prefix order (tool definitions, system prompt, messages).
 * OpenAI caches automatically: the longest prefix already seen is reported as `cached_tokens`. Anthropic
 * caches only up to `cache_control` breakpoints: the longest breakpoint prefix already seen is a cache read,
 * and the rest up to the last breakpoint is a cache write. As with the real providers, prefixes shorter than a
 * minimum (1024 tokens by default) are never cached. Tokens are estimated at four characters each.
 */
import crypto from 'node:crypto';
import type { Wire } from './wire';

export interface CacheOutcome {
  /** Tokens read from the cache. */
  read: number;
  /** Tokens written to the cache (Anthropic only). */
  write: number;
  /** Where the request carried cache_control: `tools[i]`, `system[i]`, `messages[i]`. */
  breakpoints: string[];
}

interface Segment {
  label: string;
  text: string;
  marked: boolean;
}

const tokensOf = (chars: number): number => Math.ceil(chars / 4);

function hasCacheControl(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  if ('cache_control' in value && (value as { cache_control?: unknown }).cache_control) return true;
  const content = (value as { content?: unknown }).content;
  return Array.isArray(content) && content.some(hasCacheControl);
}

function segmentsOf(wire: Wire, body: Record<string, unknown>): Segment[] {
  const seg = (label: string, value: unknown): Segment => ({
    label,
    text: JSON.stringify(value),
    marked: hasCacheControl(value),
  });
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const out = tools.map((t, i) => seg(`tools[${i}]`, t));
  if (wire === 'anthropic' && body.system !== undefined) {
    const system = Array.isArray(body.system) ? body.system : [body.system];
    system.forEach((block, i) => out.push(seg(`system[${i}]`, block)));
  }
  messages.forEach((m, i) => out.push(seg(`messages[${i}]`, m)));
  return out;
}

export class PromptCache {
  private readonly seen = new Set<string>();

  constructor(private readonly minTokens = 1024) {}

  /** Works out what this request reads from and writes to the cache; `commit` then remembers its prefixes. */
  lookup(wire: Wire, body: Record<string, unknown>): CacheOutcome & { commit(): void } {
    const segments = segmentsOf(wire, body);
    const prefixes: { hash: string; tokens: number }[] = [];
    let hash: string = wire;
    let chars = 0;
    for (const s of segments) {
      hash = crypto.createHash('sha256').update(hash).update(s.text).digest('hex');
      chars += s.text.length;
      prefixes.push({ hash, tokens: tokensOf(chars) });
    }
    const cacheable = (i: number) => prefixes[i]!.tokens >= this.minTokens;
    const breakpoints = segments.flatMap((s, i) => (s.marked ? [i] : []));
    // OpenAI caches every prefix; Anthropic only those ending at a breakpoint.
    const candidates = wire === 'openai' ? prefixes.map((_, i) => i) : breakpoints;
    const stored = candidates.filter(cacheable);
    let read = 0;
    for (let k = stored.length - 1; k >= 0; k--) {
      const p = prefixes[stored[k]!]!;
      if (this.seen.has(p.hash)) {
        read = p.tokens;
        break;
      }
    }
    const last = stored[stored.length - 1];
    const write = wire === 'anthropic' && last !== undefined ? prefixes[last]!.tokens - read : 0;
    return {
      read,
      write,
      breakpoints: breakpoints.map((i) => segments[i]!.label),
      commit: () => {
        for (const i of stored) this.seen.add(prefixes[i]!.hash);
      },
    };
  }

  clear(): void {
    this.seen.clear();
  }
}

/** One line per message, for the request log: `system`, `user`, `assistant->id1,id2`, `tool<-id1`. */
export function conversationShape(wire: Wire, body: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (wire === 'anthropic' && body.system !== undefined) out.push('system');
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  for (const m of messages) {
    const blocks = Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : [];
    if (wire === 'openai') {
      const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as { id: string }[]) : [];
      if (m.role === 'tool') out.push(`tool<-${String(m.tool_call_id)}`);
      else out.push(calls.length ? `${String(m.role)}->${calls.map((c) => c.id).join(',')}` : String(m.role));
      continue;
    }
    const uses = blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
    const results = blocks.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id));
    if (results.length) out.push(`tool<-${results.join(',')}`);
    else out.push(uses.length ? `${String(m.role)}->${uses.join(',')}` : String(m.role));
  }
  return out;
}
