import type { ModelRequest, ModelResponse } from '../../contracts/messages';

/** A model request as an adapter receives it: `model` is the provider-side name (after `provider:`). */
export type AdapterRequest = ModelRequest;

/** One provider's wire format behind the provider-neutral request and response. */
export interface ModelAdapter {
  readonly provider: string;
  /**
   * Streams the reply from the provider and resolves with the whole message. `onHeaders` receives the HTTP
   * response headers (the activity logs their rate-limit figures); `onText` receives each piece of text as the
   * provider sends it (the activity relays it to live subscribers and heartbeats on it).
   */
  complete(
    request: AdapterRequest,
    signal: AbortSignal,
    onHeaders?: (headers: Headers) => void,
    onText?: (text: string) => void,
  ): Promise<ModelResponse>;
}
