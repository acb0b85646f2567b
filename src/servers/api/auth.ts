/**
 * API keys: each has a name (the approver of the decisions it sends), scopes, and is kept only as the SHA-256 of
 * the key. A request carries its key as `Authorization: Bearer <key>` or `X-API-Key: <key>`; it is hashed and
 * compared with every stored hash in constant time, so timing tells nothing about which key nearly matched.
 */
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError, ApiErrorCode } from './errors';

/** What a key may do; `admin` may do everything. */
export const API_SCOPES = ['runs:start', 'runs:read', 'approvals:decide', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** One key as the API keeps it. */
export interface ApiKey {
  /** Who holds it: the approver of its decisions, and the rate limit's bucket. */
  name: string;
  /** Hex SHA-256 of the key. */
  sha256: string;
  scopes: ApiScope[];
}

/** One key as a keys file (or AGENT_API_KEYS) declares it: its hash, or the key itself (hashed on load). */
export const apiKeyEntrySchema = z
  .object({
    name: z.string().regex(/^[\w.@-]{1,100}$/, 'letters, digits and . _ @ - only'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the hex SHA-256 of the key')
      .optional(),
    key: z.string().min(16, 'at least 16 characters').optional(),
    scopes: z.array(z.enum(API_SCOPES)).min(1),
  })
  .strict()
  .refine((k) => (k.sha256 === undefined) !== (k.key === undefined), 'give exactly one of sha256 and key');

/** A keys document: `{ keys: [...] }`. */
export const apiKeysDocumentSchema = z.object({ keys: z.array(apiKeyEntrySchema) }).strict();

/** Hex SHA-256 of a key. */
export const hashApiKey = (key: string): string => crypto.createHash('sha256').update(key, 'utf8').digest('hex');

/** The keys a validated document declares, every one as a hash; two keys with one name are refused. */
export function apiKeysFrom(document: z.output<typeof apiKeysDocumentSchema>): ApiKey[] {
  const keys = document.keys.map((k) => ({
    name: k.name,
    sha256: k.sha256 ?? hashApiKey(k.key as string),
    scopes: k.scopes,
  }));
  const names = new Set<string>();
  for (const k of keys) {
    if (names.has(k.name)) throw new Error(`two API keys are named ${k.name}; each name is one approver`);
    names.add(k.name);
  }
  return keys;
}

/** The key a request presents, if any. */
function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header ? header : undefined;
}

/** Finds the key a request presents; every stored hash is compared, in constant time each. */
export function authenticate(request: FastifyRequest, keys: readonly ApiKey[]): ApiKey {
  const given = presentedKey(request);
  if (!given)
    throw new ApiError(401, ApiErrorCode.Unauthenticated, 'an API key is required (Authorization: Bearer <key>)');
  const digest = Buffer.from(hashApiKey(given), 'hex');
  let found: ApiKey | undefined;
  for (const key of keys) {
    const stored = Buffer.from(key.sha256, 'hex');
    if (crypto.timingSafeEqual(stored, digest)) found = key;
  }
  if (!found) throw new ApiError(401, ApiErrorCode.Unauthenticated, 'the API key is not valid');
  return found;
}

/** Refuses a key without the scope (admin has every scope). */
export function requireScope(key: ApiKey, scope: ApiScope): void {
  if (key.scopes.includes(scope) || key.scopes.includes('admin')) return;
  throw new ApiError(403, ApiErrorCode.Forbidden, `the API key ${key.name} lacks the scope ${scope}`);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated key (set by the auth hook on every /v1 route). */
    apiKey?: ApiKey;
  }
}

/** The authenticated key of a /v1 request (the auth hook has run). */
export function keyOf(request: FastifyRequest): ApiKey {
  if (!request.apiKey) throw new ApiError(401, ApiErrorCode.Unauthenticated, 'an API key is required');
  return request.apiKey;
}
