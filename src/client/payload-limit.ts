/**
 * Refuses a workflow input that the Temporal server would refuse anyway, before anything starts: the server
 * rejects any payload over its blob size limit (`limit.blobSize.error`, 2 MB by default on the dev server,
 * self-hosted clusters and Temporal Cloud). Failing here gives one clear line instead of a gRPC error.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { UserError } from '../contracts/errors';

/** Temporal's default blob size limit: the largest payload the server accepts. */
export const TEMPORAL_PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** The size of the payload Temporal would store for `value`, with the default data converter. */
export function payloadBytes(value: unknown): number {
  const payload = defaultPayloadConverter.toPayload(value);
  const metadata = Object.entries(payload.metadata ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
  return (payload.data?.length ?? 0) + metadata;
}

/** Throws a UserError naming the size and the limit when `value` is too large to start a run with. */
export function assertWithinPayloadLimit(value: unknown, what: string, limit = TEMPORAL_PAYLOAD_LIMIT_BYTES): void {
  const size = payloadBytes(value);
  if (size <= limit) return;
  throw new UserError(
    `${what} is ${megabytes(size)}, over Temporal's payload limit of ${megabytes(limit)}; nothing was started. ` +
      'Keep large content out of the input: put it in a file the agent reads (the workspace) and pass its path.',
  );
}
