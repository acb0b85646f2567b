import type { ModelRequest, ModelResponse } from '../../contracts/messages';

/** A model request as an adapter receives it: `model` is the provider-side name (after `provider:`). */
export type AdapterRequest = ModelRequest;

/** One provider's wire format behind the provider-neutral request and response. */
export interface ModelAdapter {
  readonly provider: string;
  /** `onHeaders` receives the HTTP response headers (the activity logs their rate-limit figures). */
  complete(
    request: AdapterRequest,
    signal: AbortSignal,
    onHeaders?: (headers: Headers) => void,
  ): Promise<ModelResponse>;
}
