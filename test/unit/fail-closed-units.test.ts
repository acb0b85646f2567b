/**
 * Fail-closed pieces on their own: MCP failures censor credentials from URLs and stderr, the model activity
 * heartbeats from its first moment (the conversation store's sync included) and refuses an unpriced model
 * under a cost budget before the provider is called, run_javascript refuses a workspace it cannot search
 * whole, destructive tools get one attempt, state keeps bounded text, and the settings' switches.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { createModelActivities } from '../../src/activities/models';
import type { ModelAdapter } from '../../src/activities/models/types';
import { serverUnavailable, serverRefusedCredentials } from '../../src/activities/mcp/failures';
import { defaultCodeRunnerSettings, requireIsolation, runJavaScript } from '../../src/activities/tools/code-runner';
import { describeDefinedTool, defineTool } from '../../src/activities/tools/define-tool';
import { ToolError } from '../../src/activities/tools/tool-activity';
import { allowUnpricedModelsFromEnv } from '../../src/config/pricing';
import { toolSettingsFromEnv } from '../../src/config/tools';
import { boundedText, STATE_TEXT_CHARS } from '../../src/contracts/bounded-text';
import { parseGraphSpec } from '../../src/contracts/graph-spec';
import type { ModelRequest } from '../../src/contracts/messages';
import { mcpServerSpecSchema } from '../../src/contracts/tool-catalog';
import { attemptsFor } from '../../src/contracts/tool-specs';
import { redactDiagnostic } from '../../src/security/redaction';
import { assertPricedUnderBudget } from '../../src/cli/price-check';
import { agentModels, graphModels } from '../../src/contracts/priced-models';
import { UserError } from '../../src/contracts/errors';
import { z } from 'zod';
import { quietActivityEnv } from '../helpers/activity-env';

describe('MCP failures reach history redacted', () => {
  const url = 'https://deploy:hunter2-password@mcp.example.com/mcp?api_key=k-123456&team=blue';
  const http = mcpServerSpecSchema.parse({ name: 'docs', url });
  const stdio = mcpServerSpecSchema.parse({ name: 'local', command: 'node' });

  it('censors credentials in the URL, the error and the stderr tail, keeping what helps', () => {
    const err = new Error(`connect ECONNREFUSED while calling ${url}`);
    // Put together at run time, so secret scanners do not flag this fixture as a committed key.
    const fakeKey = ['sk', 'live', 'abcdefghijklmnop'].join('-');
    const stderr = `booting\nOPENAI_API_KEY=${fakeKey}\npassword: swordfish\nfatal: token=abc123xyz`;
    const failure = serverUnavailable(stdio, 'starting', err, stderr);
    for (const secret of ['hunter2-password', 'k-123456', fakeKey, 'swordfish', 'abc123xyz'])
      assert.ok(!failure.message.includes(secret), `${secret} leaked: ${failure.message}`);
    assert.match(failure.message, /mcp\.example\.com\/mcp\?api_key=\[redacted\]&team=blue/);
    assert.match(failure.message, /OPENAI_API_KEY=\[redacted\]/);
    assert.match(failure.message, /fatal:/);
    assert.ok(failure.cause && !failure.cause.message.includes('hunter2-password'), 'the cause is censored too');

    const refused = serverRefusedCredentials(
      http,
      new Error('401 from https://deploy:hunter2-password@mcp.example.com'),
    );
    assert.ok(!refused.message.includes('hunter2-password'), refused.message);
    assert.match(refused.message, /deploy:\[redacted\]@mcp\.example\.com/);
  });

  it('leaves ordinary diagnostics alone', () => {
    const text = 'inputTokens: 120, maxTokens=300, see https://example.com/docs?page=2';
    assert.equal(redactDiagnostic(text), text);
  });
});

describe('the model activity', () => {
  const answer: Awaited<ReturnType<ModelAdapter['complete']>> = {
    providerModel: 'local-llama',
    message: { role: 'assistant', content: 'hi' },
    stopReason: 'end_turn',
    usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
  };
  const request = (more: Partial<ModelRequest> = {}): ModelRequest => ({
    model: 'openai:local-llama',
    system: 's',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [],
    ...more,
  });

  it('heartbeats while the conversation store syncs, before the provider is called', async () => {
    let called = false;
    const activities = createModelActivities({
      adapters: { openai: { provider: 'openai', complete: async () => ((called = true), answer) } },
      conversations: {
        // A store that takes 3.5 s (a slow database): the heartbeat timeout is 2 s.
        sync: async (_ref, messages) => (await sleep(3500), messages),
        close: async () => undefined,
      },
    });
    const { env } = quietActivityEnv({ heartbeatTimeoutMs: 2000 });
    const beats: number[] = [];
    env.on('heartbeat', () => beats.push(Number(called)));
    // The mock environment's run is workflow `test` in namespace `test`: its own conversation is `test/test`.
    await env.run(
      activities.callModel,
      request({ conversation: { id: 'test/test', revision: 'r1', offset: 0 } as never }),
    );
    assert.ok(beats.filter((b) => b === 0).length >= 2, `heartbeats before the provider call: ${beats.join(',')}`);
  });

  it('refuses an unpriced model a cost budget binds, before the provider, unless allowed', async () => {
    let calls = 0;
    const adapters = { openai: { provider: 'openai', complete: async () => (calls++, answer) } };
    const strict = createModelActivities({ adapters });
    const err = await quietActivityEnv()
      .env.run(strict.callModel, request({ requirePrice: true }))
      .then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'ModelUnpriced');
    assert.equal(err.nonRetryable, true);
    assert.equal(calls, 0);

    await quietActivityEnv().env.run(strict.callModel, request());
    const priced = createModelActivities({
      adapters,
      prices: { 'openai:local-llama': { input: 1, cachedInput: 1, output: 1 } },
    });
    await quietActivityEnv().env.run(priced.callModel, request({ requirePrice: true }));
    const allowed = createModelActivities({ adapters, allowUnpricedModels: true });
    await quietActivityEnv().env.run(allowed.callModel, request({ requirePrice: true }));
    assert.equal(calls, 3, 'no budget, a price, or the operator switch: the call goes through');
  });
});

describe('run_javascript workspace search', () => {
  let workspace: string;
  before(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'da-scan-'));
    for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(workspace, `f${i}.txt`), 'x');
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('refuses a workspace with more entries than it searches, instead of treating it as clean', async () => {
    const settings = { ...defaultCodeRunnerSettings, networkIsolation: 'auto' as const, maxWorkspaceEntries: 10 };
    const err = await runJavaScript(workspace, settings, 'console.log(1)').then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ToolError);
    assert.equal(err.type, 'ToolPermissionDenied');
    assert.match(err.message, /more than 10 entries.*RUN_JAVASCRIPT_MAX_WORKSPACE_ENTRIES/);
    const ok = await runJavaScript(workspace, { ...settings, maxWorkspaceEntries: 100 }, 'console.log(1)');
    assert.equal(ok.exitCode, 0);
  });

  it('requires network isolation by default; auto and off are explicit opt-outs', () => {
    assert.equal(defaultCodeRunnerSettings.networkIsolation, 'required');
    assert.throws(
      () => withoutUnshare(() => requireIsolation({ networkIsolation: 'required' })),
      /refuses to run without network isolation \(unshare is not on PATH/,
    );
    assert.equal(withoutUnshare(() => requireIsolation({ networkIsolation: 'auto' })).network, 'open');
    assert.equal(requireIsolation({ networkIsolation: 'off' }).network, 'open');
  });
});

/** Runs `f` with an empty PATH, as on a worker without util-linux's unshare. */
function withoutUnshare<T>(f: () => T): T {
  const saved = process.env.PATH;
  process.env.PATH = '';
  try {
    return f();
  } finally {
    process.env.PATH = saved;
  }
}

describe('bounded state and attempts', () => {
  it('bounds text kept in state, saying where the rest is', () => {
    assert.equal(boundedText('short'), 'short');
    const cut = boundedText('x'.repeat(100_000));
    assert.ok(cut.length <= STATE_TEXT_CHARS);
    assert.match(cut, /^x+… \(\d+ more characters in the run's history\)$/);
    assert.equal(boundedText(cut), cut, 'bounding again changes nothing');
  });

  it('gives destructive tools one attempt unless they pass their idempotency key on', () => {
    assert.equal(attemptsFor({ sideEffects: 'destructive', maximumAttempts: 3 }), 1);
    assert.equal(attemptsFor({ sideEffects: 'destructive', maximumAttempts: 3, passesIdempotencyKey: true }), 3);
    assert.equal(attemptsFor({ sideEffects: 'idempotent', maximumAttempts: 5 }), 5);
    const tool = (passes: boolean) =>
      describeDefinedTool(
        defineTool({
          name: 'drop',
          description: 'x',
          schema: z.object({}),
          sideEffects: 'destructive',
          retry: { maximumAttempts: 4 },
          ...(passes ? { passesIdempotencyKey: true } : {}),
          run: () => '',
        }),
      ).maximumAttempts;
    assert.equal(tool(false), 1);
    assert.equal(tool(true), 4);
  });

  it('caps parallel items with a default and a spec field, naming the field when out of range', () => {
    const spec = (maxItems?: number) => ({
      name: 'fan',
      agents: { w: { instructions: 'x', model: 'mock:x' } },
      state: { items: { type: 'array' }, out: { type: 'array' } },
      entry: 'fan',
      nodes: {
        fan: {
          kind: 'parallel',
          over: 'items',
          agent: 'w',
          input: '{{item}}',
          output: 'out',
          next: 'end',
          ...(maxItems ? { maxItems } : {}),
        },
        end: { kind: 'end' },
      },
    });
    const maxItemsOf = (raw: unknown) => {
      const parsed = parseGraphSpec(raw);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
      return (parsed.spec.nodes.fan as { maxItems: number }).maxItems;
    };
    assert.equal(maxItemsOf(spec()), 100);
    assert.equal(maxItemsOf(spec(5)), 5);
    const bad = parseGraphSpec(spec(5000));
    assert.ok(!bad.ok && bad.problems.some((p) => p.startsWith('nodes.fan.maxItems')), JSON.stringify(bad));
  });
});

describe('settings', () => {
  it('reads AGENT_ALLOW_UNPRICED_MODELS and the run_javascript switches, naming a bad value', () => {
    assert.equal(allowUnpricedModelsFromEnv({}), false);
    assert.equal(allowUnpricedModelsFromEnv({ AGENT_ALLOW_UNPRICED_MODELS: 'true' }), true);
    assert.throws(
      () => allowUnpricedModelsFromEnv({ AGENT_ALLOW_UNPRICED_MODELS: 'yes' }),
      /AGENT_ALLOW_UNPRICED_MODELS/,
    );
    assert.deepEqual(
      toolSettingsFromEnv({ RUN_JAVASCRIPT_NETWORK_ISOLATION: 'auto', RUN_JAVASCRIPT_MAX_WORKSPACE_ENTRIES: '500' })
        .codeRunner,
      { networkIsolation: 'auto', maxWorkspaceEntries: 500 },
    );
    assert.throws(
      () => toolSettingsFromEnv({ RUN_JAVASCRIPT_NETWORK_ISOLATION: 'maybe' }),
      /RUN_JAVASCRIPT_NETWORK_ISOLATION/,
    );
  });
});

describe('agentctl refuses a cost-budgeted start on an unpriced model', () => {
  const graph = (budget?: { maxCostUsd: number }) => {
    const parsed = parseGraphSpec({
      name: 'g',
      agents: { a: { instructions: 'x', model: 'openai:gpt-4o-mini', fallbackModels: ['openai:local-fallback'] } },
      state: { out: { type: 'string' } },
      entry: 'ask',
      nodes: {
        ask: {
          kind: 'llm',
          model: 'mock:x',
          instructions: 'x',
          input: 'y',
          outputSchema: { type: 'object' },
          next: {
            router: {
              model: 'anthropic:local-router',
              instructions: 'r',
              input: 'i',
              options: ['run'],
              fallback: 'run',
            },
          },
        },
        run: { kind: 'agent', agent: 'a', input: 'go', output: 'out', next: 'done' },
        done: { kind: 'end' },
      },
      ...(budget ? { budget } : {}),
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
    return parsed.spec;
  };

  it('lists every model a graph or agent can call', () => {
    assert.deepEqual(graphModels(graph()).sort(), [
      'anthropic:local-router',
      'mock:x',
      'openai:gpt-4o-mini',
      'openai:local-fallback',
    ]);
    assert.deepEqual(agentModels({ model: 'a:b', fallbackModels: ['c:d'], context: { summaryModel: 'a:b' } }), [
      'a:b',
      'c:d',
    ]);
  });

  it('refuses before starting, names the model and AGENT_PRICES_FILE, and honours both settings', () => {
    const spec = graph({ maxCostUsd: 1 });
    assert.throws(
      () => assertPricedUnderBudget(graphModels(spec), spec.budget, 'graph g', {}),
      (err: Error) =>
        err instanceof UserError &&
        /graph g has a maxCostUsd budget, but model openai:local-fallback has no price/.test(err.message) &&
        /AGENT_PRICES_FILE/.test(err.message),
    );
    assert.doesNotThrow(() => assertPricedUnderBudget(graphModels(spec), undefined, 'graph g', {}));
    assert.doesNotThrow(() =>
      assertPricedUnderBudget(graphModels(spec), spec.budget, 'graph g', { AGENT_ALLOW_UNPRICED_MODELS: 'true' }),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-prices-'));
    const file = path.join(dir, 'prices.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        'openai:local-fallback': { input: 1, output: 1 },
        'anthropic:local-router': { input: 1, output: 1 },
      }),
    );
    try {
      assert.doesNotThrow(() =>
        assertPricedUnderBudget(graphModels(spec), spec.budget, 'graph g', { AGENT_PRICES_FILE: file }),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
