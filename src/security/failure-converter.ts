/**
 * The failure converter of encrypted runs: failure messages and stack traces are moved into the failure's
 * encoded attributes (a payload), so the payload codec encrypts them like any other payload. Loaded by path
 * (`failureConverterPath`) because the worker also bundles it into the workflow sandbox; it imports only
 * `@temporalio/common`, which is safe there.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
