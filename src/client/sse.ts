/**
 * Reading a Server-Sent Events response (the HTTP API's `GET /v1/runs/{id}/events`) over `fetch`: each message
 * with its `id:`, `event:` (default `message`) and `data:` lines joined, comments (`: heartbeat`) skipped.
 * `EventSource` cannot send an Authorization header, so callers of the API read the stream themselves.
 */

/** One SSE message as it came: `data` is the text of its `data:` lines, joined with newlines. */
export interface ServerSentEvent {
  id?: string;
  event: string;
  data: string;
}

/** Yields each message of an SSE body until it ends; stopping the loop early cancels the body. */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = parseMessage(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (message) yield message;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** One block of lines as a message; undefined for a block of comments only (a heartbeat). */
function parseMessage(block: string): ServerSentEvent | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const at = line.indexOf(':');
    const field = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (!data.length) return undefined;
  return { ...(id !== undefined ? { id } : {}), event, data: data.join('\n') };
}
