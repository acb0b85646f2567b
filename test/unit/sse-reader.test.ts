/** readServerSentEvents: messages split across chunks, comments, multi-line data, CRLF, early stop. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readServerSentEvents, type ServerSentEvent } from '../../src/client/sse';

function body(chunks: string[]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  const encoder = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function all(chunks: string[]): Promise<ServerSentEvent[]> {
  const out: ServerSentEvent[] = [];
  for await (const message of readServerSentEvents(body(chunks).stream)) out.push(message);
  return out;
}

describe('readServerSentEvents', () => {
  it('joins a message split anywhere across chunks, with its id and event', async () => {
    const text = 'id: 7\nevent: step.started\ndata: {"step":1}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      assert.deepEqual(await all([text.slice(0, cut), text.slice(cut)]), [
        { id: '7', event: 'step.started', data: '{"step":1}' },
      ]);
    }
  });

  it('skips heartbeat comments, defaults the event to message, joins data lines, reads CRLF', async () => {
    assert.deepEqual(
      await all([': heartbeat\n\n', 'data: a\ndata: b\n\n', 'event: token\r\ndata: {"text":"x"}\r\n\r\n']),
      [
        { event: 'message', data: 'a\nb' },
        { event: 'token', data: '{"text":"x"}' },
      ],
    );
  });

  it('leaves an unfinished last message out, and cancels the body when the loop stops early', async () => {
    assert.deepEqual(await all(['data: 1\n\n', 'data: 2']), [{ event: 'message', data: '1' }]);
    const source = body(['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n']);
    for await (const message of readServerSentEvents(source.stream)) if (message.data === '1') break;
    assert.equal(source.cancelled(), true);
  });
});
