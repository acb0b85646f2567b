/**
 * Conversations passed by reference. A model activity's recorded input would otherwise carry the whole
 * conversation on every call, so a run's history would grow with the square of its turns. Instead the
 * workflow names the conversation and sends only what is new; the activity writes it to the conversation
 * store and reads the whole conversation back. Shared by workflow and worker; pure.
 */

/**
 * Where the new messages of a by-reference call go. The store keeps the first `offset` messages of revision
 * `base` and puts the new messages after them, under `revision`. `offset` 0 starts the conversation afresh
 * (no `base` needed). A write is idempotent: a retried activity that finds `revision` already stored just
 * reads it back.
 */
export interface ConversationRef {
  /** Stable per agent run: namespace and workflow id. */
  id: string;
  /** The revision the first `offset` messages belong to; absent when `offset` is 0. */
  base?: string;
  /**
   * Revisions written after `base` by calls that then failed (a provider refusal, say). They begin with the
   * same `offset` messages, so the store may hold any of them.
   */
  attempted?: string[];
  revision: string;
  offset: number;
}

/** Byte length of a string as UTF-8, without TextEncoder (pure, so workflow code can use it). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Size of a value as the default JSON payload converter encodes it. */
export function jsonPayloadBytes(value: unknown): number {
  return value === undefined ? 0 : utf8Length(JSON.stringify(value));
}
