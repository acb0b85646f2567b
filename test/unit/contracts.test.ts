/** Pure contracts: model ids, pricing and the ledger, structured output, configuration. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentInputSchema } from '../../src/contracts/agent-contract';
import { modelIdSchema, parseModelId } from '../../src/contracts/model-id';
import { costOf, emptyLedger, recordUsage } from '../../src/contracts/pricing';
import { checkStructuredOutput } from '../../src/contracts/structured-output';
import { builtinToolSpecs, toolDefinition } from '../../src/contracts/tool-specs';
import { loadConfig } from '../../src/config/env';
import { temporalSettingsFromEnv } from '../../src/config/temporal';

describe('model ids', () => {
  it('splits provider:model and keeps colons in the model part', () => {
    assert.deepEqual(parseModelId('openai:gpt-4o-mini'), { provider: 'openai', model: 'gpt-4o-mini' });
    assert.deepEqual(parseModelId('mock:a:b'), { provider: 'mock', model: 'a:b' });
  });
  it('refuses unknown providers and missing parts with the id in the message', () => {
    assert.throws(() => parseModelId('gpt-4o'), /invalid model id "gpt-4o"/);
    assert.throws(() => parseModelId('cohere:command'), /provider one of openai, anthropic, mock/);
    assert.equal(modelIdSchema.safeParse('openai:').success, false);
  });
});

describe('pricing and the ledger', () => {
  it('prices cached input at the cached rate', () => {
    const usd = costOf(
      { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000 },
      { input: 1, cachedInput: 0.1, output: 10 },
    );
    assert.equal(usd.toFixed(6), (0.6 + 0.04 + 1).toFixed(6));
  });
  it('sums by model and by agent and flags unpriced models', () => {
    let ledger = emptyLedger();
    ledger = recordUsage(ledger, {
      model: 'openai:gpt-4o-mini',
      agent: 'a',
      usage: { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 0 },
    });
    ledger = recordUsage(ledger, {
      model: 'openai:some-new-model',
      agent: 'b',
      usage: { inputTokens: 10, outputTokens: 1, cachedInputTokens: 0 },
    });
    assert.equal(ledger.totalTokens, 1111);
    assert.equal(ledger.byModel['openai:gpt-4o-mini']?.calls, 1);
    assert.equal(ledger.byAgent.b?.usd, 0);
    assert.deepEqual(ledger.unpricedModels, ['openai:some-new-model']);
    assert.ok(Math.abs(ledger.totalUsd - (1000 * 0.15 + 100 * 0.6) / 1e6) < 1e-12);
  });
});

describe('structured output', () => {
  const schema = { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] };
  it('accepts matching JSON, also inside a json fence', () => {
    assert.deepEqual(checkStructuredOutput('{"score": 3}', schema), { ok: true, value: { score: 3 } });
    assert.deepEqual(checkStructuredOutput('```json\n{"score": 4}\n```', schema), { ok: true, value: { score: 4 } });
  });
  it('names the field that does not match', () => {
    const check = checkStructuredOutput('{"score": "high"}', schema);
    assert.equal(check.ok, false);
    assert.match(!check.ok ? check.problem : '', /score/);
  });
});

describe('agent input and tool schemas', () => {
  it('fills defaults and rejects unknown fields', () => {
    const parsed = agentInputSchema.parse({ instructions: 'i', input: 'u', model: 'mock:x' });
    assert.equal(parsed.maxSteps, 10);
    assert.deepEqual(parsed.tools, []);
    assert.equal(
      agentInputSchema.safeParse({ instructions: 'i', input: 'u', model: 'mock:x', extra: 1 }).success,
      false,
    );
  });
  it('gives every built-in tool an object JSON schema for the model', () => {
    for (const spec of builtinToolSpecs) {
      const def = toolDefinition(spec);
      assert.equal(def.parameters.type, 'object', spec.name);
      assert.equal('$schema' in def.parameters, false);
    }
  });
});

describe('configuration', () => {
  it('defaults to a local dev server', () => {
    const t = temporalSettingsFromEnv({});
    assert.equal(t.address, 'localhost:7233');
    assert.equal(t.namespace, 'default');
    assert.equal(t.tls, undefined);
  });
  it('turns TLS on for an API key and refuses half an mTLS pair', () => {
    assert.ok(temporalSettingsFromEnv({ TEMPORAL_API_KEY: 'k' }).tls);
    assert.throws(() => temporalSettingsFromEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/x.pem' }), /must be set together/);
  });
  it('enables providers from their keys or base URLs only', () => {
    assert.deepEqual(loadConfig({}).providers, {});
    const c = loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', MOCK_LLM_URL: 'http://127.0.0.1:9/' });
    assert.equal(c.providers.openai?.baseURL, 'http://127.0.0.1:11434/v1');
    assert.deepEqual(c.providers.mock, { baseURL: 'http://127.0.0.1:9', wire: 'openai' });
    assert.throws(() => loadConfig({ MOCK_LLM_URL: 'http://x', MOCK_LLM_WIRE: 'grpc' }), /MOCK_LLM_WIRE/);
  });
});
