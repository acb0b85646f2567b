/**
 * The data converter every Temporal client and worker of durable-agents uses when payload keys are
 * configured: the AES-256-GCM codec plus the failure converter that encodes messages and stack traces.
 * Without keys it is undefined, and the SDK's defaults apply.
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, type PayloadKeyring } from './payload-codec';

/** Path of the module exporting `failureConverter`; the worker and its workflow bundle load it from here. */
export const encryptedFailureConverterPath = require.resolve('./failure-converter');

export function encryptedDataConverter(keyring: PayloadKeyring | undefined): DataConverter | undefined {
  if (!keyring?.length) return undefined;
  return {
    payloadCodecs: [new AesGcmPayloadCodec(keyring)],
    failureConverterPath: encryptedFailureConverterPath,
  };
}
