/** The HTTP API's SSE stream for tests: each message with its id, type and data parsed as JSON. */
import { readServerSentEvents } from '../../src/client/sse';

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** Reads events from an open SSE response until it ends. */
export async function* readSse(response: Response): AsyncGenerator<SseEvent, void, undefined> {
  if (!response.body) return;
  for await (const message of readServerSentEvents(response.body)) {
    yield {
      ...(message.id !== undefined ? { id: message.id } : {}),
      event: message.event,
      data: JSON.parse(message.data),
    };
  }
}
