/**
 * A Server-Sent Events reader over fetch(): EventSource cannot send an Authorization header, so the console reads
 * the event stream's body with a ReadableStream reader and parses the SSE lines itself (event, data, id; comments
 * such as the API's heartbeats are skipped). Stops when the signal aborts or the server closes the stream.
 */
import { authHeaders } from './api';

export interface SseMessage {
  event: string;
  data: unknown;
  id?: string;
}

/** Calls `onMessage` for each event of `path` until the stream ends (resolves) or fails (rejects). */
export async function readEvents(
  path: string,
  onMessage: (message: SseMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(path, { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal });
  if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  let id: string | undefined;
  const dispatch = (): void => {
    if (data.length > 0) {
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: hand the text over as it is.
      }
      onMessage({ event, data: parsed, ...(id !== undefined ? { id } : {}) });
    }
    event = 'message';
    data = [];
    id = undefined;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
      if (line === '') dispatch();
      else if (line.startsWith(':')) continue;
      else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const raw = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = raw;
        else if (field === 'data') data.push(raw);
        else if (field === 'id') id = raw;
      }
    }
  }
  dispatch();
}
