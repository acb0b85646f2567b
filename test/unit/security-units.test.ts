/**
 * Security pieces on their own: the payload keyring and AES-256-GCM codec, the encrypting failure converter,
 * log and error redaction, approval signatures and their verification activity, TLS settings from the
 * environment, and the codec server's HTTP rules (token, origin, preflight).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createApprovalActivities } from '../../src/activities/approvals';
import { toApplicationFailure } from '../../src/activities/models/errors';
import { startCodecServer, type CodecServer } from '../../src/servers/codec-server/server';
import { agentInputSchema } from '../../src/contracts/agent-contract';
import { UserError } from '../../src/contracts/errors';
import { parseGraphSpec } from '../../src/contracts/graph-spec';
import type { VerifyDecisionInput, VerifyDecisionResult } from '../../src/contracts/approval-verification';
import { approvalSecretFromEnv } from '../../src/config/approvals';
import { codecServerSettingsFromEnv } from '../../src/config/codec-server';
import { temporalSettingsFromEnv } from '../../src/config/temporal';
import { connectionOptions } from '../../src/config/connection';
import { createLogger } from '../../src/telemetry/logging';
import { signApprovalDecision, signDecision } from '../../src/security/approval-signature';
import { approvalDigest, bindingMismatch, relativeRunId } from '../../src/contracts/approval-binding';
import { sha256Hex } from '../../src/contracts/sha256';
import { failureConverter } from '../../src/security/failure-converter';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parsePayloadKeys,
  type PayloadKeyring,
} from '../../src/security/payload-codec';
import { redactText, redactValue, registerSecrets } from '../../src/security/redaction';
import { quietActivityEnv } from '../helpers/activity-env';

const newKey = (): string => crypto.randomBytes(32).toString('base64');
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const FAKE_KEY = `sk-test-FAKE${crypto.randomBytes(12).toString('hex')}`;

describe('payload keys', () => {
  it('parses a keyring with rotation order kept', () => {
    const keys = parsePayloadKeys(`k2:${newKey()}, k1:${newKey()}`);
    assert.deepEqual(
      keys.map((k) => [k.id, k.key.length]),
      [
        ['k2', 32],
        ['k1', 32],
      ],
    );
  });

  it('refuses bad keys with the variable and key id named and no key material shown', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    assert.throws(
      () => parsePayloadKeys(`k1:${short}`),
      (err: Error) =>
        err instanceof UserError &&
        /AGENT_PAYLOAD_KEYS key "k1" must be 32 bytes/.test(err.message) &&
        !err.message.includes(short),
    );
    assert.throws(() => parsePayloadKeys(`k1:not base64!`), /AGENT_PAYLOAD_KEYS key "k1" is not base64/);
    assert.throws(() => parsePayloadKeys(newKey()), /AGENT_PAYLOAD_KEYS entry 1 has no key id/);
    assert.throws(() => parsePayloadKeys(`bad id:${newKey()}`), /AGENT_PAYLOAD_KEYS entry 1: a key id is/);
    assert.throws(() => parsePayloadKeys(`k:${newKey()},k:${newKey()}`), /names key "k" twice/);
    assert.throws(() => parsePayloadKeys(' , '), /AGENT_PAYLOAD_KEYS is empty/);
    assert.throws(
      () => temporalSettingsFromEnv({ AGENT_PAYLOAD_KEYS: 'k1:abc' }),
      /AGENT_PAYLOAD_KEYS key "k1" must be 32 bytes/,
    );
    assert.equal(temporalSettingsFromEnv({ AGENT_PAYLOAD_KEYS: `k1:${newKey()}` }).payloadKeys?.[0]?.id, 'k1');
  });
});

describe('AES-256-GCM payload codec', () => {
  const k1 = `k1:${newKey()}`;
  const k2 = `k2:${newKey()}`;
  const payload = defaultPayloadConverter.toPayload({ prompt: 'the canary sings' }) as Payload;

  it('encrypts with the first key, names it, and decrypts back to the same payload', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(`${k2},${k1}`));
    const [sealed] = await codec.encode([payload]);
    assert.equal(text(sealed!.metadata?.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(sealed!.metadata?.[KEY_ID_METADATA]), 'k2');
    assert.ok(!text(sealed!.data).includes('canary'));
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { prompt: 'the canary sings' });
  });

  it('rotates: old payloads still decrypt after a new key is put first; a dropped key is named', async () => {
    const [old] = await new AesGcmPayloadCodec(parsePayloadKeys(k1)).encode([payload]);
    const rotated = new AesGcmPayloadCodec(parsePayloadKeys(`${k2},${k1}`));
    assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!), {
      prompt: 'the canary sings',
    });
    const dropped = new AesGcmPayloadCodec(parsePayloadKeys(k2));
    await assert.rejects(dropped.decode([old!]), /encrypted with key "k1", which AGENT_PAYLOAD_KEYS does not hold/);
  });

  it('refuses tampered ciphertext and a relabelled key id', async () => {
    const keys: PayloadKeyring = parsePayloadKeys(`${k2},${k1}`);
    const codec = new AesGcmPayloadCodec(keys);
    const [sealed] = await codec.encode([payload]);
    const data = Buffer.from(sealed!.data!);
    data[20] = (data[20] as number) ^ 1;
    await assert.rejects(codec.decode([{ ...sealed!, data }]), /failed authentication/);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k1') } };
    await assert.rejects(codec.decode([relabelled]), /failed authentication/);
  });

  it('leaves payloads that were never encrypted alone', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(k1));
    assert.deepEqual(await codec.decode([payload]), [payload]);
  });

  it('the failure converter moves messages and stack traces into encoded attributes', () => {
    const failure = failureConverter.errorToFailure(
      ApplicationFailure.create({ message: 'secret canary in an error', type: 'X' }),
      defaultPayloadConverter,
    );
    assert.equal(failure.message, 'Encoded failure');
    assert.equal(failure.stackTrace, '');
    assert.ok(failure.encodedAttributes);
    const back = failureConverter.failureToError(failure, defaultPayloadConverter);
    assert.equal(back.message, 'secret canary in an error');
  });
});

describe('redaction', () => {
  it('censors provider keys, bearer tokens and configured secrets in text', () => {
    registerSecrets(['a-configured-secret-value-123']);
    const out = redactText(`key ${FAKE_KEY}; Authorization: Bearer abcdefgh12345; a-configured-secret-value-123`);
    assert.ok(!out.includes(FAKE_KEY) && !out.includes('abcdefgh12345') && !out.includes('a-configured-secret'));
    assert.match(out, /Bearer \[redacted\]/);
  });

  it('censors key-like fields at any depth but keeps token counts', () => {
    const out = redactValue({
      providers: { openai: { apiKey: 'x', baseURL: 'http://h' } },
      headers: { Authorization: 'y', 'x-api-key': 'z' },
      usage: { inputTokens: 3, outputTokens: 4 },
    });
    assert.deepEqual(out, {
      providers: { openai: { apiKey: '[redacted]', baseURL: 'http://h' } },
      headers: { Authorization: '[redacted]', 'x-api-key': '[redacted]' },
      usage: { inputTokens: 3, outputTokens: 4 },
    });
  });

  it('pino logs carry neither key fields nor key values, in messages or errors', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info({ apiKey: FAKE_KEY, nested: { config: { token: 'tkn-1234567890' } } }, `calling with ${FAKE_KEY}`);
    logger.error({ err: new Error(`401 Incorrect API key provided: ${FAKE_KEY}`) }, 'model failed');
    logger.warn({ detail: `Bearer ${FAKE_KEY}` }, 'x');
    const all = lines.join('');
    assert.equal(lines.length, 3);
    assert.ok(!all.includes(FAKE_KEY), all);
    assert.ok(!all.includes('tkn-1234567890'), all);
    assert.match(all, /Incorrect API key provided: \[redacted\]/);
  });

  it('a provider auth error that echoes the key becomes a failure without it', () => {
    const err = Object.assign(new Error(`401 Incorrect API key provided: ${FAKE_KEY}`), {
      status: 401,
      error: { error: { message: `Incorrect API key provided: ${FAKE_KEY}` } },
    });
    const failure = toApplicationFailure(err, 'openai', 'gpt-4o-mini');
    assert.equal(failure.type, 'AuthFailed');
    assert.ok(!failure.message.includes(FAKE_KEY));
    assert.ok(!String((failure.cause as Error).message).includes(FAKE_KEY));
    assert.ok(!String((failure.cause as Error).stack).includes(FAKE_KEY));
  });
});

describe('approval signatures', () => {
  const secret = 'a-long-enough-approval-secret';
  const shown = { what: 'tool pay_invoice', why: 'pay_invoice is destructive', proposed: '{"invoice":"INV-1"}' };
  const binding = {
    namespace: 'default',
    workflowId: 'run-1',
    runId: 'r-1',
    approvalId: 'step-1-call-1',
    digest: approvalDigest(shown),
  };
  const base = { ...binding, decision: 'approve' as const, by: 'ann' };
  const input = (over: Partial<VerifyDecisionInput> = {}): VerifyDecisionInput => ({
    workflowId: binding.workflowId,
    approvalId: binding.approvalId,
    binding,
    decision: 'approve',
    by: 'ann',
    ...over,
  });
  const verify = async (deps: { approvalSecret?: string }, i: VerifyDecisionInput): Promise<VerifyDecisionResult> => {
    const { env } = quietActivityEnv();
    return (await env.run(createApprovalActivities(deps).verifyApprovalDecision, i)) as VerifyDecisionResult;
  };

  it('the digest is SHA-256 over what a person is shown, computed without node:crypto', () => {
    for (const text of ['', 'abc', 'é☃😀', 'x'.repeat(1000)]) {
      assert.equal(sha256Hex(text), crypto.createHash('sha256').update(text).digest('hex'));
    }
    assert.notEqual(approvalDigest(shown), approvalDigest({ ...shown, proposed: '{"invoice":"INV-2"}' }));
    assert.notEqual(approvalDigest(shown), approvalDigest({ ...shown, what: 'tool refund' }));
  });

  it('a client binds and signs the resolved approval, and signs only when a secret is set', () => {
    const signed = signDecision({ by: 'ann', comment: 'ok' }, binding, 'approve', secret);
    assert.equal(signed.approvalId, 'step-1-call-1');
    assert.deepEqual(signed.boundTo, binding);
    assert.equal(signed.signature, signApprovalDecision(secret, base));
    assert.deepEqual(signDecision({ by: 'ann' }, binding, 'approve', undefined), {
      by: 'ann',
      approvalId: 'step-1-call-1',
      boundTo: binding,
    });
    assert.throws(() => approvalSecretFromEnv({ AGENT_APPROVAL_SECRET: 'short' }), /at least 16 characters/);
  });

  it('accepts a good signature and refuses unsigned, forged, re-attributed and re-bound decisions', async () => {
    const signature = signApprovalDecision(secret, base);
    assert.deepEqual(await verify({ approvalSecret: secret }, input({ signature })), { accepted: true });
    assert.match(
      ((await verify({ approvalSecret: secret }, input())) as { problem: string }).problem,
      /unsigned decision/,
    );
    const forged = signApprovalDecision('another-secret-of-some-length', base);
    assert.match(
      ((await verify({ approvalSecret: secret }, input({ signature: forged }))) as { problem: string }).problem,
      /signature does not match/,
    );
    assert.equal((await verify({ approvalSecret: secret }, input({ signature, by: 'mallory' }))).accepted, false);
    assert.equal((await verify({ approvalSecret: secret }, input({ signature, decision: 'reject' }))).accepted, false);
    // Each part of the binding is signed: another run, namespace, approval or content does not match.
    for (const other of [
      { runId: 'r-2' },
      { namespace: 'prod' },
      { approvalId: 'step-2-call-1' },
      { digest: approvalDigest({ ...shown, proposed: '{}' }) },
    ]) {
      const rebound = input({ signature, binding: { ...binding, ...other } });
      assert.equal((await verify({ approvalSecret: secret }, rebound)).accepted, false, JSON.stringify(other));
    }
    // Edited arguments are part of what is signed.
    const withArgs = signApprovalDecision(secret, { ...base, arguments: '{"path":"a"}' });
    assert.equal(
      (await verify({ approvalSecret: secret }, input({ signature: withArgs, arguments: { path: 'a' } }))).accepted,
      true,
    );
    assert.equal(
      (await verify({ approvalSecret: secret }, input({ signature: withArgs, arguments: { path: 'b' } }))).accepted,
      false,
    );
  });

  it('enforces named approvers with or without a secret', async () => {
    assert.deepEqual(await verify({}, input({ approvers: ['ann', 'bob'] })), { accepted: true });
    assert.match(
      ((await verify({}, input({ by: 'eve', approvers: ['ann', 'bob'] }))) as { problem: string }).problem,
      /"eve" is not among the approvers \(ann, bob\)/,
    );
    assert.deepEqual(await verify({}, input()), { accepted: true });
  });

  it('names what differs between a binding and the approval it reaches', () => {
    assert.equal(bindingMismatch(binding, binding), undefined);
    assert.match(
      bindingMismatch(binding, { ...binding, runId: 'r-2' }) ?? '',
      /run r-1 .*this is run r-2 \(a new run or a fork\)/,
    );
    assert.match(
      bindingMismatch(
        { ...binding, approvalId: 'b-1/step-1-call-1' },
        { ...binding, approvalId: 'b-2/step-1-call-1' },
      ) ?? '',
      /approval b-1\/step-1-call-1, not b-2\/step-1-call-1/,
    );
    assert.match(bindingMismatch(binding, { ...binding, digest: '0'.repeat(64) }) ?? '', /different content/);
    assert.equal(relativeRunId('root', 'root/clerk-1'), 'clerk-1');
    assert.equal(relativeRunId('root', 'rootless'), 'rootless');
  });
});

describe('named approvers in specs', () => {
  it('agent inputs and graph gates accept approvers and refuse an empty list', () => {
    const agent = { instructions: 't', input: 'i', model: 'mock:hello' };
    assert.deepEqual(agentInputSchema.parse({ ...agent, approvers: ['ann'] }).approvers, ['ann']);
    assert.equal(agentInputSchema.safeParse({ ...agent, approvers: [] }).success, false);
    const spec = {
      name: 'g',
      entry: 'ship',
      approvals: [{ before: 'ship', approvers: ['ops'] }],
      nodes: { ship: { kind: 'approval', what: 'ship', approvers: ['lead'], next: 'done' }, done: { kind: 'end' } },
    };
    const parsed = parseGraphSpec(spec);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
    const bad = parseGraphSpec({ ...spec, approvals: [{ before: 'ship', approvers: [''] }] });
    assert.ok(!bad.ok && bad.problems.some((p) => p.includes('approvals.0.approvers.0')), JSON.stringify(bad));
  });
});

describe('TLS and API key settings', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-tls-'));
    fs.writeFileSync(path.join(dir, 'client.pem'), 'CERT');
    fs.writeFileSync(path.join(dir, 'client.key'), 'KEY');
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds mTLS options from the files the environment names', () => {
    const options = connectionOptions(
      temporalSettingsFromEnv({
        TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
        TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'ns.acct.tmprl.cloud',
      }),
    );
    assert.ok(typeof options.tls === 'object');
    assert.equal(String(options.tls.clientCertPair?.crt), 'CERT');
    assert.equal(String(options.tls.clientCertPair?.key), 'KEY');
    assert.equal(String(options.tls.serverRootCACertificate), 'CA');
    assert.equal(options.tls.serverNameOverride, 'ns.acct.tmprl.cloud');
  });

  it('an API key turns TLS on (Temporal Cloud)', () => {
    const options = connectionOptions(temporalSettingsFromEnv({ TEMPORAL_API_KEY: 'cloud-key' }));
    assert.equal(options.tls, true);
    assert.equal(options.apiKey, 'cloud-key');
  });

  it('names the variable when a certificate or key file is missing', () => {
    const missing = path.join(dir, 'nope.pem');
    assert.throws(
      () =>
        connectionOptions(
          temporalSettingsFromEnv({
            TEMPORAL_TLS_CLIENT_CERT_PATH: missing,
            TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
          }),
        ),
      (err: Error) =>
        err instanceof UserError &&
        err.message === `TEMPORAL_TLS_CLIENT_CERT_PATH=${missing}: cannot read the file (no such file)`,
    );
    assert.throws(
      () =>
        connectionOptions(
          temporalSettingsFromEnv({
            TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
            TEMPORAL_TLS_CLIENT_KEY_PATH: missing,
          }),
        ),
      /TEMPORAL_TLS_CLIENT_KEY_PATH=.*nope\.pem: cannot read the file \(no such file\)/,
    );
    assert.throws(
      () => connectionOptions(temporalSettingsFromEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: dir })),
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH=.*: cannot read the file \(is a directory, not a file\)/,
    );
  });

  it("reads a profile of Temporal's temporal.toml; our variables override it field by field", () => {
    const file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      file,
      [
        '[profile.prod]',
        'address = "prod.acct.tmprl.cloud:7233"',
        'namespace = "prod.acct"',
        'api_key = "profile-key"',
        '[profile.prod.tls]',
        `client_cert_path = "${path.join(dir, 'client.pem')}"`,
        'client_key_data = "INLINE KEY"',
        'server_name = "prod.acct.tmprl.cloud"',
        '[profile.local]',
        'address = "127.0.0.1:7233"',
        '[profile.local.tls]',
        'disabled = true',
        '',
      ].join('\n'),
    );
    const prod = temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    assert.equal(prod.address, 'prod.acct.tmprl.cloud:7233');
    assert.equal(prod.namespace, 'prod.acct');
    const options = connectionOptions(prod);
    assert.equal(options.apiKey, 'profile-key');
    assert.ok(typeof options.tls === 'object');
    assert.equal(String(options.tls.clientCertPair?.crt), 'CERT');
    assert.equal(String(options.tls.clientCertPair?.key), 'INLINE KEY');
    assert.equal(options.tls.serverNameOverride, 'prod.acct.tmprl.cloud');

    const overridden = temporalSettingsFromEnv({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_NAMESPACE: 'staging.acct',
      TEMPORAL_API_KEY: 'env-key',
    });
    assert.equal(overridden.address, 'prod.acct.tmprl.cloud:7233');
    assert.equal(overridden.namespace, 'staging.acct');
    assert.equal(overridden.apiKey, 'env-key');

    const local = temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'local' });
    assert.equal(local.address, '127.0.0.1:7233');
    assert.equal(local.tls, undefined);
  });

  it('names the profile or the file when the Temporal config cannot be used', () => {
    const file = path.join(dir, 'temporal.toml');
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' }),
      (err: Error) => err instanceof UserError && /profile "nope" of .*temporal\.toml/.test(err.message),
    );
    const missing = path.join(dir, 'missing.toml');
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: missing }),
      (err: Error) => err instanceof UserError && err.message === `TEMPORAL_CONFIG_FILE=${missing}: no such file`,
    );
    const halfTls = path.join(dir, 'half.toml');
    fs.writeFileSync(halfTls, `[profile.default.tls]\nclient_cert_path = "${path.join(dir, 'client.pem')}"\n`);
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: halfTls }),
      /needs both a client certificate and a client key/,
    );
    const unreadable = path.join(dir, 'unreadable.toml');
    fs.writeFileSync(unreadable, `[profile.default.tls]\nserver_ca_cert_path = "${missing}"\n`);
    assert.throws(
      () => connectionOptions(temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: unreadable })),
      /profile "default" of .*tls\.server_ca_cert=.*missing\.toml: cannot read the file \(no such file\)/,
    );
  });

  it('refuses a certificate without its key, and the other way round', () => {
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem') }),
      /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together/,
    );
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key') }),
      /must be set together/,
    );
    assert.throws(() => temporalSettingsFromEnv({ TEMPORAL_TLS: 'yes' }), /TEMPORAL_TLS must be true or false/);
  });
});

describe('codec server', () => {
  const token = crypto.randomBytes(24).toString('hex');
  const origin = 'http://localhost:8233';
  let server: CodecServer;
  before(async () => {
    server = await startCodecServer(
      codecServerSettingsFromEnv({
        AGENT_PAYLOAD_KEYS: `k1:${newKey()}`,
        AGENT_CODEC_TOKEN: token,
        AGENT_CODEC_PORT: '0',
      }),
    );
  });
  after(() => server.close());

  const body = JSON.stringify({
    payloads: [
      {
        metadata: { encoding: Buffer.from('json/plain').toString('base64') },
        data: Buffer.from('"hi"').toString('base64'),
      },
    ],
  });
  const post = (p: string, headers: Record<string, string>, payload = body) =>
    fetch(`${server.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: payload,
    });

  it('listens on 127.0.0.1 by default and refuses to start without a token or keys', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.throws(() => codecServerSettingsFromEnv({ AGENT_PAYLOAD_KEYS: `k1:${newKey()}` }), /AGENT_CODEC_TOKEN/);
    assert.throws(() => codecServerSettingsFromEnv({ AGENT_CODEC_TOKEN: token }), /AGENT_PAYLOAD_KEYS is not set/);
  });

  it('refuses a request without the token, with a wrong token, and from another origin', async () => {
    const none = await post('/decode', { origin });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('access-control-allow-origin'), origin);
    assert.equal((await post('/decode', { authorization: 'Bearer wrong-token' })).status, 401);
    const evil = await post('/decode', { origin: 'https://evil.example', authorization: `Bearer ${token}` });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const evilPreflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(evilPreflight.status, 403);
  });

  it('answers the UI origin preflight and encodes then decodes with the token', async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);

    const auth = { origin, authorization: `Bearer ${token}`, 'x-namespace': 'default' };
    const encoded = await post('/encode', auth);
    assert.equal(encoded.status, 200);
    const sealed = (await encoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(sealed.payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    const decoded = await post('/decode', auth, JSON.stringify(sealed));
    assert.equal(decoded.status, 200);
    assert.deepEqual(await decoded.json(), JSON.parse(body));
    assert.equal((await post('/decode', auth, '{"payloads":"x"}')).status, 400);
  });
});
