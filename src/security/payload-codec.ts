/**
 * AES-256-GCM payload encryption. Every payload (workflow input, model replies, tool arguments and results,
 * signal and update arguments, encoded failure messages) is serialized to protobuf bytes and sealed before it
 * leaves the process, so Temporal's history and database hold only ciphertext. Each payload names the key
 * that sealed it (`encryption-key-id`), so keys rotate: the first key of the keyring encrypts, every key
 * decrypts.
 */
import crypto from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { UserError } from '../contracts/errors';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/** The environment variable the keyring is read from; named in every error about it. */
export const PAYLOAD_KEYS_VARIABLE = 'AGENT_PAYLOAD_KEYS';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface PayloadKey {
  id: string;
  /** 32 bytes. Never logged, never printed. */
  key: Buffer;
}

/** Keys in order of preference: the first encrypts, all of them decrypt. */
export type PayloadKeyring = readonly PayloadKey[];

const keyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1-64 letters, digits, dots, dashes or underscores');

const keyMaterialSchema = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'is not base64')
  .transform((text) => Buffer.from(text, 'base64'))
  .refine((key) => key.length === KEY_BYTES, {
    message: `must be ${KEY_BYTES} bytes once base64-decoded (openssl rand -base64 32 makes one)`,
  });

/**
 * Parses `k2:<base64 of 32 bytes>,k1:<...>`. Errors name the variable and the key id, never the key material.
 */
export function parsePayloadKeys(text: string, variable = PAYLOAD_KEYS_VARIABLE): PayloadKeyring {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new UserError(`${variable} is empty; expected id:<base64 key>[,id:<base64 key>…]`);
  const keys: PayloadKey[] = [];
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) {
      throw new UserError(`${variable} entry ${index + 1} has no key id; expected id:<base64 key>`);
    }
    const id = keyIdSchema.safeParse(entry.slice(0, colon).trim());
    if (!id.success) {
      throw new UserError(`${variable} entry ${index + 1}: ${id.error.issues[0]?.message ?? 'bad key id'}`);
    }
    const key = keyMaterialSchema.safeParse(entry.slice(colon + 1).trim());
    if (!key.success) {
      throw new UserError(`${variable} key "${id.data}" ${key.error.issues[0]?.message ?? 'is invalid'}`);
    }
    if (keys.some((k) => k.id === id.data)) throw new UserError(`${variable} names key "${id.data}" twice`);
    keys.push({ id: id.data, key: key.data });
  });
  return keys;
}

/** Raised when a payload cannot be decrypted: unknown key id or tampered ciphertext. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keyring: PayloadKeyring) {
    if (keyring.length === 0) throw new UserError(`${PAYLOAD_KEYS_VARIABLE} holds no key`);
    this.byId = new Map(keyring.map((k) => [k.id, k.key]));
  }

  /** The id of the key new payloads are sealed with. */
  get currentKeyId(): string {
    return (this.keyring[0] as PayloadKey).id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keyring[0] as PayloadKey;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated too, so a payload cannot be relabelled to another key.
      cipher.setAAD(encoder.encode(id));
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: encoder.encode(id),
        },
        data: new Uint8Array(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const rawId = payload.metadata?.[KEY_ID_METADATA];
      const id = rawId ? decoder.decode(rawId) : '';
      const key = this.byId.get(id);
      if (!key) {
        throw new PayloadDecryptionError(
          `payload was encrypted with key "${id || '(none)'}", which ${PAYLOAD_KEYS_VARIABLE} does not hold (it holds ${[...this.byId.keys()].join(', ')})`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload is truncated');
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(encoder.encode(id));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch {
        throw new PayloadDecryptionError(
          `payload encrypted with key "${id}" failed authentication (wrong key or tampered)`,
        );
      }
    });
  }
}
