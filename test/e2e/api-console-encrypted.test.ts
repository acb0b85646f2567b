/**
 * Transcripts of encrypted runs (AGENT_PAYLOAD_KEYS), on a real dev server through fetch: the API whose client holds
 * the keys shows the input, the model's text and the tool's result; an API without the keys still answers, with
 * the encrypted texts absent, and never shows ciphertext as text.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read field by field. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createAgentClient } from '../../src/client';
import { parsePayloadKeys } from '../../src/security/payload-codec';
import { createApiServer } from '../../src/servers/api/app';
import { hashApiKey, type ApiKey } from '../../src/servers/api/auth';
import { useTestStack } from '../helpers/stack';

const PAYLOAD_KEYS = `k1:${crypto.randomBytes(32).toString('base64')}`;
const CANARY = `canary${crypto.randomBytes(8).toString('hex')}`;
const keys: ApiKey[] = [
  { name: 'ann', sha256: hashApiKey('ann-key-0123456789abcdef'), scopes: ['runs:start', 'runs:read'] },
];
const ANN = { authorization: 'Bearer ann-key-0123456789abcdef' };

const servers: FastifyInstance[] = [];
let withKeys: string;
let withoutKeys: string;

async function serve(client: Client, taskQueue: string): Promise<string> {
  const app = await createApiServer({ client: createAgentClient({ client, taskQueue }), keys });
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

const stack = useTestStack({ payloadKeys: parsePayloadKeys(PAYLOAD_KEYS) }, async (s) => {
  withKeys = await serve(s.client, s.taskQueue);
  withoutKeys = await serve(new Client({ connection: s.client.connection, namespace: s.namespace }), s.taskQueue);
});
after(async () => {
  for (const app of servers) await app.close();
});

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(url, { ...init, headers: { ...ANN, ...(init.headers as Record<string, string>) } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('transcripts of encrypted runs', () => {
  it('decode with the client’s keys, and show nothing of the encrypted texts without them', async () => {
    stack.mock.addScenario('console-secret', {
      turns: [
        { toolCalls: [{ name: 'calculator', arguments: { expression: '2+2' } }] },
        { text: `The answer is 4 (${CANARY}).` },
      ],
    });
    const started = await json(`${withKeys}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        spec: {
          name: 'console-secret',
          description: 'encrypted transcript',
          instructions: 'Answer.',
          model: 'mock:console-secret',
          tools: ['calculator'],
        },
        input: `What is 2+2? ${CANARY}`,
      }),
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.workflowId as string;
    const done = await json(`${withKeys}/v1/runs/${id}/result?wait=30s`);
    assert.equal(done.body.outcome, 'completed', JSON.stringify(done.body));

    const readable = await json(`${withKeys}/v1/runs/${id}/transcript`);
    assert.equal(readable.status, 200, JSON.stringify(readable.body));
    assert.equal(readable.body.input, `What is 2+2? ${CANARY}`);
    const items = readable.body.items as any[];
    assert.deepEqual(
      items.map((i) => i.kind),
      ['model', 'tool', 'model'],
    );
    assert.equal(items[1].name, 'calculator');
    assert.match(items[1].result, /4/);
    assert.equal(items[2].text, `The answer is 4 (${CANARY}).`);

    const sealed = await json(`${withoutKeys}/v1/runs/${id}/transcript`);
    assert.equal(sealed.status, 200, JSON.stringify(sealed.body));
    assert.ok(!JSON.stringify(sealed.body).includes(CANARY), 'nothing decrypted without the keys');
    assert.equal(sealed.body.input, null);
    const sealedItems = sealed.body.items as any[];
    // The shape of the run is still there (history's own fields); the texts are not.
    assert.deepEqual(
      sealedItems.map((i) => i.kind),
      ['model', 'tool', 'model'],
    );
    assert.equal(sealedItems[1].name, 'calculator');
    assert.equal(sealedItems[1].result, undefined);
    assert.equal(sealedItems[2].text, undefined);
  });
});
