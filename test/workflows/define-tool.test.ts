/** defineTool: a user's typed function becomes an agent tool with its schema, policy and approval default. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool, describeDefinedTool } from '../../src/activities/tools/define-tool';
import { AGENT_WORKFLOW_TYPE, approveSignal, stateQuery } from '../../src/contracts/agent-contract';
import { loadToolsModule } from '../../src/worker/tools-module';
import type { agentWorkflow } from '../../src/workflows';
import { startTestStack, type TestStack } from '../helpers/stack';

/** What the fake ticketing system saw: one entry per effect, keyed by the idempotency key it was given. */
const ticketsByKey = new Map<string, string>();
let ticketAttempts = 0;

const createTicket = defineTool({
  name: 'create_ticket',
  description: 'Open a support ticket.',
  schema: z.object({ title: z.string().min(3), priority: z.enum(['low', 'high']) }),
  sideEffects: 'destructive',
  retry: { maximumAttempts: 4 },
  passesIdempotencyKey: true,
  timeout: '5s',
  run: ({ title, priority }, call) => {
    ticketAttempts += 1;
    // Like a real API with idempotency keys: a repeated key returns the first result, no second effect.
    if (!ticketsByKey.has(call.idempotencyKey)) ticketsByKey.set(call.idempotencyKey, `${priority}: ${title}`);
    if (ticketAttempts === 1) throw new Error('ticket service hiccup'); // retried by Temporal with the same key
    return `ticket T-${ticketsByKey.size} opened`;
  },
});

const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Find an order by id.',
  schema: z.object({ orderId: z.string().regex(/^O-\d+$/) }),
  sideEffects: 'none',
  run: ({ orderId }) => `${orderId}: shipped`,
});

describe('defineTool', () => {
  it('derives the model-facing JSON schema, the retry policy and the approval default', () => {
    const d = describeDefinedTool(createTicket);
    assert.equal(d.activity, 'tool:create_ticket');
    assert.equal(d.needsApproval, true, 'destructive tools need approval by default');
    assert.equal(d.maximumAttempts, 4);
    assert.equal(d.timeout, '5s');
    assert.deepEqual((d.parameters.properties as Record<string, { enum?: string[] }>).priority?.enum, ['low', 'high']);
    assert.equal(describeDefinedTool(lookupOrder).needsApproval, false);
  });

  it('refuses names a model cannot call', () => {
    assert.throws(
      () =>
        defineTool({
          ...{ name: 'bad name', description: 'x', schema: z.object({}), sideEffects: 'none' },
          run: () => '',
        }),
      /invalid tool name/,
    );
    assert.throws(
      () => defineTool({ name: 'kb__x', description: 'x', schema: z.object({}), sideEffects: 'none', run: () => '' }),
      /invalid tool name/,
    );
  });
});

describe('AGENT_TOOLS_MODULE', () => {
  it('loads `tools` from a module and refuses a module without them', () => {
    // Inside the repo (test-artifacts/ is ignored), so the module resolves zod like a user's module would.
    fs.mkdirSync(path.join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(__dirname, '..', '..', 'test-artifacts', 'tools-module-'));
    const good = path.join(dir, 'good.ts');
    fs.writeFileSync(
      good,
      `import { z } from 'zod';\nimport { defineTool } from ${JSON.stringify(path.resolve(__dirname, '../../src/activities/tools/define-tool'))};\n` +
        `export const tools = [defineTool({ name: 'echo', description: 'echo', schema: z.object({ text: z.string() }), sideEffects: 'none', run: ({ text }) => text })];\n`,
    );
    const bad = path.join(dir, 'bad.ts');
    fs.writeFileSync(bad, 'export const nothing = 1;\n');
    assert.deepEqual(
      loadToolsModule(good).map((t) => t.spec.name),
      ['echo'],
    );
    assert.throws(() => loadToolsModule(bad), /must export `tools`/);
    assert.throws(() => loadToolsModule(path.join(dir, 'missing.ts')), /cannot be loaded/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('a defineTool tool in a run', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ tools: [createTicket, lookupOrder] });
  });
  after(async () => {
    await stack?.stop();
  });

  it('waits for approval because it is destructive, then takes effect once despite a retried attempt', async () => {
    stack.mock.addScenario('t-define-tool', {
      turns: [
        { toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'O-17' } }] },
        { toolCalls: [{ name: 'create_ticket', arguments: { title: 'Order O-17 late', priority: 'high' } }] },
        { text: 'Ticket opened.' },
      ],
    });
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `define-tool-${process.pid}`,
      args: [
        {
          instructions: 'support',
          input: 'O-17 is late',
          model: 'mock:t-define-tool',
          tools: ['lookup_order', 'create_ticket'],
        },
      ],
    });
    for (let i = 0; ; i++) {
      const s = await handle.query(stateQuery);
      if (s.pendingApprovals.length) {
        assert.match(s.pendingApprovals[0]!.why, /destructive/);
        break;
      }
      assert.ok(i < 200, 'the destructive tool should wait for approval');
      await sleep(100);
    }
    assert.equal(ticketAttempts, 0, 'nothing happens before approval');
    await handle.signal(approveSignal, { by: 'lead' });
    const result = await handle.result();
    assert.equal(result.text, 'Ticket opened.');
    assert.equal(ticketAttempts, 2, 'the first attempt failed and was retried');
    assert.deepEqual(
      [...ticketsByKey.entries()],
      [[`define-tool-${process.pid}:${(await handle.describe()).runId}:step-2:call-1`, 'high: Order O-17 late']],
    );
    assert.deepEqual(
      result.steps.filter((s) => s.kind === 'tool').map((s) => [s.name, s.status, s.summary]),
      [
        ['lookup_order', 'ok', 'O-17: shipped'],
        ['create_ticket', 'ok', 'ticket T-1 opened'],
      ],
    );
  });
});
