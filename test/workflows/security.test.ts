/**
 * Security end to end on a real dev server whose state lives in a SQLite file: payloads encrypted with
 * AGENT_PAYLOAD_KEYS (a canary in the input, a model reply, a signal comment and error messages appears
 * neither in `temporal workflow show` nor in the database, while agentctl still reads the state), the codec
 * server decoding real history for the Temporal CLI, a planted provider key found nowhere, signed approvals
 * (unsigned, forged and unlisted approvers refused and recorded; concurrent approvals run the tool once) and
 * a clear error for a missing TLS certificate.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Client,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type QueryDefinition,
  type WorkflowHandle,
} from '@temporalio/client';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define-tool';
import { startCodecServer, type CodecServer } from '../../src/servers/codec-server/server';
import {
  AGENT_WORKFLOW_TYPE,
  approveSignal,
  decideUpdate,
  rejectSignal,
  stateQuery,
  type AgentState,
  type PendingApproval,
} from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, graphStateQuery } from '../../src/contracts/graph-contract';
import { providerSettingsFromEnv } from '../../src/config/providers';
import { signApprovalDecision, signDecision } from '../../src/security/approval-signature';
import type { ApprovalBinding } from '../../src/contracts/approval-binding';
import { parsePayloadKeys } from '../../src/security/payload-codec';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { capturedLogs, startTestStack, type TestStack } from '../helpers/stack';

const run = promisify(execFile);
const bin = path.resolve(__dirname, '../../bin/agentctl.js');
const repoRoot = path.resolve(__dirname, '..', '..');

const PAYLOAD_KEYS = `k2:${crypto.randomBytes(32).toString('base64')},k1:${crypto.randomBytes(32).toString('base64')}`;
const APPROVAL_SECRET = crypto.randomBytes(24).toString('hex');
const CODEC_TOKEN = crypto.randomBytes(24).toString('hex');
const CANARY = `canary${crypto.randomBytes(10).toString('hex')}`;
const FAKE_KEY = `sk-test-FAKE${crypto.randomBytes(16).toString('hex')}`;

let stack: TestStack;
let dataDir: string;
let dbFile: string;
let temporalCli: string;
let codec: CodecServer;
let n = 0;
const id = (what: string) => `security-${process.pid}-${what}-${++n}`;

/** Side effects of the `pay_invoice` test tool, by idempotency key: a second run of one call shows up here. */
const payments: string[] = [];
const payInvoice = defineTool({
  name: 'pay_invoice',
  description: 'Pay an invoice.',
  schema: z.object({ invoice: z.string() }),
  sideEffects: 'destructive',
  run: ({ invoice }, call) => {
    payments.push(call.idempotencyKey);
    return `paid ${invoice}`;
  },
});

before(async () => {
  // Planted the way an operator sets it: the worker reads provider keys from the environment, nothing else does.
  process.env.OPENAI_API_KEY = FAKE_KEY;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-security-'));
  dbFile = path.join(dataDir, 'temporal.sqlite');
  stack = await startTestStack({
    dbFilename: dbFile,
    payloadKeys: parsePayloadKeys(PAYLOAD_KEYS),
    approvalSecret: APPROVAL_SECRET,
    tools: [payInvoice],
    providers: (mockUrl) =>
      providerSettingsFromEnv({ ...process.env, OPENAI_BASE_URL: `${mockUrl}/v1`, MOCK_LLM_URL: mockUrl }),
  });
  temporalCli = (await resolveTemporalCli()).path;
  codec = await startCodecServer({
    host: '127.0.0.1',
    port: 0,
    allowedOrigin: 'http://localhost:8233',
    token: CODEC_TOKEN,
    keys: parsePayloadKeys(PAYLOAD_KEYS),
  });
});

after(async () => {
  await codec?.close();
  await stack?.stop();
  delete process.env.OPENAI_API_KEY;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a child that hangs is killed and fails the test instead of stalling it. */
function spawnToEnd(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs agentctl the way a user does, pointed at the test server with the payload keys and approval secret. */
function agentctl(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(childEnv)) if (k.startsWith('TEMPORAL_')) delete childEnv[k];
  Object.assign(childEnv, {
    TEMPORAL_ADDRESS: stack.address,
    TEMPORAL_NAMESPACE: stack.namespace,
    AGENT_PAYLOAD_KEYS: PAYLOAD_KEYS,
    AGENT_APPROVAL_SECRET: APPROVAL_SECRET,
    ...env,
  });
  return spawnToEnd([bin, ...args], childEnv);
}

/**
 * `temporal workflow show --output json`, optionally through the codec server, with every payload's bytes
 * (shown as base64) decoded and appended, so a scan sees what the payloads really hold.
 */
async function workflowShow(workflowId: string, withCodec = false): Promise<string> {
  const args = ['workflow', 'show', '--address', stack.address, '--namespace', stack.namespace];
  args.push('--workflow-id', workflowId, '--output', 'json');
  if (withCodec) args.push('--codec-endpoint', codec.url, '--codec-auth', `Bearer ${CODEC_TOKEN}`);
  const { stdout } = await run(temporalCli, args, { maxBuffer: 64 * 1024 * 1024 });
  const decoded: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'data' && typeof v === 'string') decoded.push(Buffer.from(v, 'base64').toString('utf8'));
      else walk(v);
    }
  };
  walk(JSON.parse(stdout));
  return `${stdout}\n${decoded.join('\n')}`;
}

/** Every byte the dev server has persisted: the database and its write-ahead log. */
function databaseBytes(): Buffer {
  const files = [dbFile, `${dbFile}-wal`].filter((f) => fs.existsSync(f));
  return Buffer.concat(files.map((f) => fs.readFileSync(f)));
}

async function pendingOf(
  handle: WorkflowHandle,
  query: QueryDefinition<{ pendingApprovals: PendingApproval[] }> = stateQuery,
): Promise<PendingApproval[]> {
  for (let i = 0; i < 300; i++) {
    const pending = (await handle.query(query)).pendingApprovals;
    if (pending.length) return pending;
    await sleep(100);
  }
  return assert.fail('nothing became pending');
}

/** Polls the `state` query (agent or graph runs answer it alike) until `done` holds. */
async function stateUntil(
  handle: WorkflowHandle,
  done: (s: Pick<AgentState, 'refusedDecisions' | 'pendingApprovals'>) => boolean,
): Promise<AgentState> {
  for (let i = 0; i < 300; i++) {
    const state = await handle.query(stateQuery);
    if (done(state)) return state;
    await sleep(100);
  }
  return assert.fail('state never reached the expected shape');
}

/** What a decision on `pending`, as the `state` query shows it, is bound to. */
function bindingOf(handle: WorkflowHandle, pending: PendingApproval): ApprovalBinding {
  return {
    namespace: stack.namespace,
    workflowId: handle.workflowId,
    runId: pending.runId!,
    approvalId: pending.approvalId,
    digest: pending.digest!,
  };
}

const ENCRYPTED_BASE64 = Buffer.from('binary/encrypted').toString('base64');

describe('encrypted payloads', () => {
  it('keeps a canary out of history and the database while agentctl and the codec server read it', async () => {
    stack.mock.addScenario('sec-story', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'sec/note.md', content: `note ${CANARY}` } }] },
        { toolCalls: [{ name: 'read_file', arguments: { path: `missing-${CANARY}.md` } }] },
        { text: `The secret word is ${CANARY}.` },
      ],
    });
    const workflowId = id('canary');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [
        {
          instructions: 'You keep notes.',
          input: `Remember ${CANARY}.`,
          model: 'mock:sec-story',
          tools: ['write_file', 'read_file'],
          approvalRequiredTools: ['write_file'],
        },
      ],
    });
    const [pending] = await pendingOf(handle);

    // agentctl decrypts: the state query answer carries the canary from the input.
    const status = await agentctl(['status', workflowId, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.ok(status.stdout.includes(`Remember ${CANARY}.`), status.stdout);

    // A signed approval whose comment carries the canary.
    const approve = await agentctl(['approve', workflowId, '--by', 'ann', '--comment', `ok ${CANARY}`]);
    assert.equal(approve.code, 0, approve.stderr);
    assert.match(approve.stdout, new RegExp(`approved ${pending!.approvalId}`));
    const result = await handle.result();
    assert.equal(result.text, `The secret word is ${CANARY}.`);
    const toolError = result.steps.find((s) => s.kind === 'tool' && s.name === 'read_file');
    assert.equal(toolError?.status, 'error');
    assert.ok(toolError?.summary.includes(CANARY), 'the tool error message carries the canary');

    // A run that fails with the canary in its error message.
    stack.mock.addScenario('sec-fail', {
      turns: [{ text: 'never', alwaysFail: true, faults: [{ status: 400, message: `bad request ${CANARY}` }] }],
    });
    const failedId = id('canary-failed');
    const failure = await stack.client.workflow
      .execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId: failedId,
        args: [{ instructions: 't', input: 'fail please', model: 'mock:sec-fail' }],
      })
      .then(
        () => assert.fail('the run should fail'),
        (err: unknown) => err,
      );
    assert.ok(failure instanceof WorkflowFailedError);
    assert.match(
      String((failure.cause?.cause as Error | undefined)?.message),
      new RegExp(`bad request ${CANARY}`),
      'decoded for the client',
    );

    for (const wf of [workflowId, failedId]) {
      const raw = await workflowShow(wf);
      assert.ok(raw.includes(ENCRYPTED_BASE64), 'history holds encrypted payloads');
      assert.ok(!raw.includes(CANARY), `canary found in temporal workflow show of ${wf}`);
      assert.ok(raw.includes('Encoded failure') || wf === workflowId, 'failure messages are encoded');
      // The codec server decodes the same history for the Temporal CLI (and the Web UI).
      assert.ok((await workflowShow(wf, true)).includes(CANARY), 'the codec server decodes history');
    }

    // A control run started without the codec shows the scan would see plaintext.
    const control = `control${crypto.randomBytes(8).toString('hex')}`;
    const plain = new Client({ connection: stack.env.connection, namespace: stack.namespace });
    const controlId = id('control');
    await plain.workflow.start(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: controlId,
      args: [{ instructions: 't', input: control, model: 'mock:hello' }],
    });
    await stack.client.workflow.getHandle(controlId).result();
    assert.ok((await workflowShow(controlId)).includes(control), 'the history scan sees plaintext');

    const db = databaseBytes();
    assert.ok(db.includes(Buffer.from(workflowId)), 'the database holds the run');
    assert.ok(db.includes(Buffer.from(control)), 'plaintext is visible to this scan');
    assert.ok(!db.includes(Buffer.from(CANARY)), 'canary found in the SQLite file');

    // Still decoded for agentctl after the run closed.
    const closed = await agentctl(['status', workflowId, '--json']);
    assert.equal(closed.code, 0, closed.stderr);
    assert.ok(closed.stdout.includes(CANARY));
  });
});

describe('secrets', () => {
  it('a planted provider key appears in no history, search attribute or log line', async () => {
    stack.mock.addScenario('sec-auth', {
      turns: [
        {
          text: 'never',
          alwaysFail: true,
          // Providers echo (part of) the key on a 401; the worker must not pass it on.
          faults: [{ status: 401, message: `Incorrect API key provided: ${FAKE_KEY}` }],
        },
      ],
    });
    const okId = id('key-ok');
    const ok = await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: okId,
      args: [{ instructions: 't', input: 'hi', model: 'openai:hello' }],
    });
    assert.equal(ok.text, 'Hello from the mock LLM server.');
    const authId = id('key-auth');
    const err = await stack.client.workflow
      .execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId: authId,
        args: [{ instructions: 't', input: 'hi', model: 'openai:sec-auth' }],
      })
      .then(
        () => assert.fail('the run should fail'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(String((err.cause?.cause as Error | undefined)?.message), /Incorrect API key provided: \[redacted\]/);

    for (const wf of [okId, authId]) {
      assert.ok(!(await workflowShow(wf)).includes(FAKE_KEY), `key in raw history of ${wf}`);
      assert.ok(!(await workflowShow(wf, true)).includes(FAKE_KEY), `key in decoded history of ${wf}`);
      const description = await stack.client.workflow.getHandle(wf).describe();
      assert.ok(!JSON.stringify(description.typedSearchAttributes).includes(FAKE_KEY));
      assert.ok(!JSON.stringify(description.searchAttributes).includes(FAKE_KEY));
    }
    assert.ok(capturedLogs.length > 0, 'the worker logged');
    assert.ok(!JSON.stringify(capturedLogs).includes(FAKE_KEY), 'key in captured logs');
    assert.ok(!databaseBytes().includes(Buffer.from(FAKE_KEY)), 'key in the SQLite file');
  });
});

describe('signed approvals', () => {
  it('refuses unsigned, forged and unlisted decisions, records them, and applies a signed one', async () => {
    stack.mock.addScenario('sec-gate', {
      turns: [{ toolCalls: [{ name: 'pay_invoice', arguments: { invoice: 'INV-1' } }] }, { text: 'paid' }],
    });
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('forged'),
      args: [{ instructions: 't', input: 'pay', model: 'mock:sec-gate', tools: ['pay_invoice'], approvers: ['ann'] }],
    });
    const [pending] = await pendingOf(handle);
    const approvalId = pending!.approvalId;
    assert.deepEqual(pending!.approvers, ['ann']);
    const binding = bindingOf(handle, pending!);
    const fields = { ...binding, decision: 'approve' as const, by: 'ann' };

    await handle.signal(approveSignal, { approvalId, by: 'ann' });
    await handle.signal(approveSignal, {
      approvalId,
      by: 'ann',
      signature: signApprovalDecision('not-the-approval-secret', fields),
    });
    // Correctly signed, but eve is not among the approvers.
    await handle.signal(approveSignal, signDecision({ by: 'eve' }, binding, 'approve', APPROVAL_SECRET));
    const refusal = await handle
      .executeUpdate(decideUpdate, { args: [{ approvalId, decision: 'approve', by: 'ann' }] })
      .then(
        () => assert.fail('an unsigned decide must be refused'),
        (e: unknown) => e,
      );
    assert.ok(refusal instanceof WorkflowUpdateFailedError);
    assert.match(String((refusal.cause as Error).message), /unsigned decision/);

    const state = await stateUntil(handle, (s) => (s.refusedDecisions?.length ?? 0) >= 4);
    // Each check is its own activity, so refusals are recorded in the order the checks finish.
    assert.deepEqual(state.refusedDecisions?.map((r) => [r.by, r.problem.split(':')[0]]).sort(), [
      ['ann', 'the signature does not match this decision'],
      ['ann', 'unsigned decision'],
      ['ann', 'unsigned decision'],
      ['eve', '"eve" is not among the approvers (ann)'],
    ]);
    assert.equal(state.pendingApprovals.length, 1, 'still waiting: nothing was applied');
    assert.equal(payments.filter((k) => k.startsWith(handle.workflowId)).length, 0);

    const approve = await agentctl(['approve', handle.workflowId, '--by', 'ann']);
    assert.equal(approve.code, 0, approve.stderr);
    const result = await handle.result();
    assert.equal(result.text, 'paid');
    assert.equal(payments.filter((k) => k.startsWith(handle.workflowId)).length, 1);
  });

  it('N concurrent signed approvals and a late reject run the gated tool once', async () => {
    stack.mock.addScenario('sec-race', {
      turns: [{ toolCalls: [{ name: 'pay_invoice', arguments: { invoice: 'INV-2' } }] }, { text: 'done' }],
    });
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('race'),
      args: [{ instructions: 't', input: 'pay', model: 'mock:sec-race', tools: ['pay_invoice'] }],
    });
    const [pending] = await pendingOf(handle);
    const target = bindingOf(handle, pending!);
    const approvers = ['ann', 'bob', 'cy', 'dee', 'eli', 'fay'];
    await Promise.all(
      approvers.map((by) => handle.signal(approveSignal, signDecision({ by }, target, 'approve', APPROVAL_SECRET))),
    );
    await handle.signal(
      rejectSignal,
      signDecision({ by: 'zed', reason: 'too late' }, target, 'reject', APPROVAL_SECRET),
    );
    const result = await handle.result();
    assert.equal(result.text, 'done');
    assert.equal(result.toolCalls, 1);
    assert.equal(payments.filter((k) => k.startsWith(handle.workflowId)).length, 1);
    const step = result.steps.find((s) => s.kind === 'tool');
    assert.equal(step?.status, 'ok', 'the late reject did not undo the approval');
  });
});

describe('signed approvals in graphs', () => {
  it('a signed decision at the root reaches a child agent, which checks it again', async () => {
    stack.mock.addScenario('sec-child', {
      turns: [{ toolCalls: [{ name: 'pay_invoice', arguments: { invoice: 'INV-3' } }] }, { text: 'filed' }],
    });
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('graph-child'),
      args: [
        {
          spec: {
            name: 'signed-child',
            agents: { clerk: { instructions: 'pay it', model: 'mock:sec-child', tools: ['pay_invoice'] } },
            state: { report: { type: 'string' } },
            entry: 'pay',
            nodes: {
              pay: { kind: 'agent', agent: 'clerk', input: 'pay', output: 'report', next: 'done' },
              done: { kind: 'end', output: 'report' },
            },
          },
        },
      ],
    });
    const [surfaced] = await pendingOf(handle, graphStateQuery);
    assert.equal(surfaced?.approvalId, 'clerk-1/step-1-call-1');
    // Sent straight to the child, a signature made for the root's approval does not pass for the child's.
    const child = stack.client.workflow.getHandle(surfaced!.childWorkflowId!);
    await child.signal(approveSignal, {
      approvalId: 'step-1-call-1',
      by: 'ann',
      signature: signApprovalDecision(APPROVAL_SECRET, {
        ...bindingOf(handle, surfaced!),
        decision: 'approve',
        by: 'ann',
      }),
    });
    const refused = await stateUntil(child, (s) => (s.refusedDecisions?.length ?? 0) >= 1);
    assert.match(refused.refusedDecisions?.[0]?.problem ?? '', /signature does not match/);

    const approve = await agentctl(['approve', handle.workflowId, '--by', 'ann']);
    assert.equal(approve.code, 0, approve.stderr);
    const result = await handle.result();
    assert.equal(result.output, 'filed');
    assert.equal(payments.filter((k) => k.startsWith(surfaced!.childWorkflowId!)).length, 1);
  });

  it('a graph gate names its approvers; a signed decision by someone else is refused', async () => {
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('graph-gate'),
      args: [
        {
          spec: {
            name: 'gated',
            state: {},
            entry: 'ship',
            nodes: {
              ship: { kind: 'approval', what: 'ship it', approvers: ['ops-lead'], next: 'done' },
              done: { kind: 'end' },
            },
          },
        },
      ],
    });
    const [pending] = await pendingOf(handle, graphStateQuery);
    assert.deepEqual(pending?.approvers, ['ops-lead']);
    // agentctl decides through the `decide` update, so the refusal comes back to the person at once.
    const intern = await agentctl(['approve', handle.workflowId, '--by', 'intern']);
    assert.equal(intern.code, 1, intern.stderr);
    assert.equal(intern.stderr.trim(), 'agentctl: approve refused: "intern" is not among the approvers (ops-lead)');
    const state = await stateUntil(handle, (s) => (s.refusedDecisions?.length ?? 0) >= 1);
    assert.match(state.refusedDecisions?.[0]?.problem ?? '', /"intern" is not among the approvers \(ops-lead\)/);
    assert.equal((await handle.query(graphStateQuery)).pendingApprovals.length, 1);
    const lead = await agentctl(['approve', handle.workflowId, '--by', 'ops-lead']);
    assert.equal(lead.code, 0, lead.stderr);
    assert.equal((await handle.result()).status, 'completed');
  });
});

describe('connection settings', () => {
  it('a missing certificate file gives one clear line naming the variable (agentctl and worker)', async () => {
    const missing = path.join(dataDir, 'missing-client.pem');
    const keyFile = path.join(dataDir, 'client.key');
    fs.writeFileSync(keyFile, 'KEY');
    const tlsEnv = { TEMPORAL_TLS_CLIENT_CERT_PATH: missing, TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile };
    const cli = await agentctl(['status', 'whatever'], tlsEnv);
    assert.equal(cli.code, 1);
    assert.equal(cli.stdout, '');
    assert.equal(
      cli.stderr.trim(),
      `agentctl: TEMPORAL_TLS_CLIENT_CERT_PATH=${missing}: cannot read the file (no such file)`,
    );

    const onlyCert = await agentctl(['status', 'whatever'], { TEMPORAL_TLS_CLIENT_CERT_PATH: keyFile });
    assert.equal(onlyCert.code, 1);
    assert.match(
      onlyCert.stderr,
      /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together/,
    );

    const worker = await spawnToEnd(['--import', 'tsx', path.join(repoRoot, 'src/worker/main.ts')], {
      ...process.env,
      ...tlsEnv,
      TEMPORAL_ADDRESS: stack.address,
      MOCK_LLM_URL: stack.mock.url,
    });
    assert.equal(worker.code, 1);
    assert.match(
      worker.stderr,
      /TEMPORAL_TLS_CLIENT_CERT_PATH=.*missing-client\.pem: cannot read the file \(no such file\)/,
    );
  });
});
