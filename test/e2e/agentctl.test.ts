/**
 * agentctl as a user runs it: `node bin/agentctl.js ...` in a subprocess, asserting on exit codes, stdout
 * and stderr. The first suite needs no server; the second runs against a real dev server, worker and the
 * mock LLM server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stateQuery, type AgentResult, type AgentState } from '../../src/contracts/agent-contract';
import type { TestStack } from '../helpers/stack';

const bin = path.resolve(__dirname, '../../bin/agentctl.js');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Variables that would point a subprocess at someone's real cluster. */
const inheritedTemporalVars = Object.keys(process.env).filter((k) => k.startsWith('TEMPORAL_'));

function agentctl(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of inheritedTemporalVars) delete childEnv[k];
  Object.assign(childEnv, env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `agentctl ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

/**
 * A failure is one `agentctl: ...` line naming the problem (a system fault may add one `hint:` line), a
 * non-zero exit code, and never a stack trace.
 */
function assertCleanFailure(run: CliRun, problem: RegExp, options: { hint?: boolean } = {}): void {
  const err = lines(run.stderr);
  assert.notEqual(run.code, 0, `expected a non-zero exit code; stderr: ${run.stderr}`);
  assert.ok(!run.stderr.includes('    at '), `stack trace on stderr:\n${run.stderr}`);
  assert.equal(run.stdout, '', 'a failure prints nothing on stdout');
  assert.match(err[0] ?? '', /^agentctl: /);
  assert.match(err[0] ?? '', problem);
  if (options.hint) {
    assert.equal(err.length, 2, `expected the error and one hint line:\n${run.stderr}`);
    assert.match(err[1] ?? '', /^hint: /);
  } else {
    assert.equal(err.length, 1, `expected exactly one stderr line:\n${run.stderr}`);
  }
}

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('agentctl without a server', () => {
  let downEnv: Record<string, string>;
  before(async () => {
    downEnv = { TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` };
  });

  it('rejects malformed JSON in --input before connecting', async () => {
    const run = await agentctl(['start', 'research-assistant', '--input', '{"topic": durable'], downEnv);
    assertCleanFailure(run, /--input is not valid JSON/);
  });

  it('rejects a JSON --input without a request field', async () => {
    const run = await agentctl(['start', 'research-assistant', '--input', '{"subject":"x"}'], downEnv);
    assertCleanFailure(run, /--input JSON .*"input", "topic" or "question"/);
  });

  it('names the known agents when the agent is unknown', async () => {
    const run = await agentctl(['start', 'no-such-agent'], downEnv);
    assertCleanFailure(run, /unknown agent "no-such-agent".*file-clerk.*research-assistant/);
  });

  it('reports a server that is down with one line and a hint', async () => {
    const started = Date.now();
    const run = await agentctl(['status', 'some-run'], downEnv);
    assertCleanFailure(run, new RegExp(`cannot connect to Temporal at ${downEnv.TEMPORAL_ADDRESS}`), { hint: true });
    assert.match(run.stderr, /npm run server/);
    assert.ok(Date.now() - started < 20_000, 'the connect timeout is short');
  });

  it('rejects an unknown command, an unknown flag and a bad flag value', async () => {
    assertCleanFailure(await agentctl(['frobnicate'], downEnv), /unknown command "frobnicate"/);
    assertCleanFailure(await agentctl(['list', '--colour'], downEnv), /unknown flag --colour/);
    assertCleanFailure(await agentctl(['start', 'research-assistant', '--model', 'gpt-4o'], downEnv), /--model/);
    assertCleanFailure(await agentctl(['list', '--limit', 'many'], downEnv), /--limit/);
    assertCleanFailure(await agentctl(['reject', 'some-run'], downEnv), /--reason/);
    assertCleanFailure(await agentctl(['status'], downEnv), /status needs <id>/);
    assertCleanFailure(await agentctl(['approve', 'r', '--args', '[1]'], downEnv), /--args: must be a JSON object/);
    assertCleanFailure(await agentctl(['approve', 'r', '--args', '{x'], downEnv), /--args: is not valid JSON/);
    assertCleanFailure(await agentctl(['fork', 'r'], downEnv), /--from-step: is required/);
    assertCleanFailure(await agentctl(['fork', 'r', '--from-step', '0'], downEnv), /--from-step: must be at least 1/);
    assertCleanFailure(await agentctl(['watch', 'r', '--interval', '5'], downEnv), /--interval: must be at least 100/);
  });

  it('prints usage with commands, agents and environment', async () => {
    const run = await agentctl(['help']);
    assert.equal(run.code, 0);
    for (const word of [
      'start <agent | graph | spec file>',
      'graphs',
      'validate <spec file | agent or graph name>',
      'agents',
      'status <id>',
      'result <id>',
      'list',
      'approve <id>',
      'reject <id>',
      'cancel <id>',
      'watch <id>',
      'fork <id> --from-step N',
      '--args JSON',
    ]) {
      assert.ok(run.stdout.includes(word), `usage mentions ${word}`);
    }
    assert.match(run.stdout, /research-assistant/);
    assert.match(run.stdout, /TEMPORAL_ADDRESS/);
    assert.match(run.stdout, /AGENT_SPECS_DIR/);
    assert.equal((await agentctl(['--help'])).code, 0);
    assert.match((await agentctl(['start', '--help'])).stdout, /--task-queue Q/);
  });
});

describe('agentctl against a dev server', () => {
  let stack: TestStack;
  let env: Record<string, string>;
  const uiUrl = 'http://ui.example.test:8233';
  const id = `agentctl-research-${process.pid}`;

  before(async () => {
    // Loaded here, not at the top, so the suite above runs even where the server stack cannot start.
    const { startTestStack } = await import('../helpers/stack.js');
    stack = await startTestStack();
    env = {
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      TEMPORAL_UI_URL: uiUrl,
    };
  });
  after(async () => {
    await stack?.stop();
  });

  it('start prints the workflow id and the Web UI link', async () => {
    const run = await agentctl(['start', 'research-assistant', '--model', 'mock:research-assistant', '--id', id], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.ok(run.stdout.includes(id));
    assert.ok(run.stdout.includes(`${uiUrl}/namespaces/${stack.namespace}/workflows/${id}`), run.stdout);
    const description = await stack.client.workflow.getHandle(id).describe();
    assert.equal(description.type, 'agentWorkflow');
    assert.equal(description.taskQueue, stack.taskQueue);
    assert.match((await description.staticSummary()) ?? '', /research-assistant/);
  });

  it('result prints the answer, steps, tokens and cost', async () => {
    const run = await agentctl(['result', id], env);
    assert.equal(run.code, 0, run.stderr);
    const result: AgentResult = await stack.client.workflow.getHandle(id).result();
    assert.ok(run.stdout.includes(result.text.trim().split('\n')[0] as string), run.stdout);
    assert.ok(run.stdout.includes(`${result.modelCalls} model calls, ${result.toolCalls} tool calls`), run.stdout);
    assert.ok(run.stdout.includes(`$${result.cost.totalUsd.toFixed(6)}`), run.stdout);
    assert.ok(run.stdout.includes(String(result.usage.inputTokens + result.usage.outputTokens)), run.stdout);
  });

  it('status shows the steps; --json is the raw state', async () => {
    const state = await stack.client.workflow.getHandle(id).query(stateQuery);
    const run = await agentctl(['status', id], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /status:\s+completed/);
    assert.match(run.stdout, new RegExp(`step:\\s+${state.step}/${state.maxSteps}`));
    assert.match(run.stdout, /STEP\s+KIND\s+NAME\s+STATUS\s+SUMMARY/);
    for (const step of state.steps) assert.ok(run.stdout.includes(step.name), `status lists step ${step.name}`);
    assert.match(run.stdout, /pending approvals: none/);

    const jsonRun = await agentctl(['status', id, '--json'], env);
    assert.equal(jsonRun.code, 0, jsonRun.stderr);
    const parsed = JSON.parse(jsonRun.stdout) as AgentState;
    assert.equal(parsed.workflowType, 'agentWorkflow');
    assert.equal(parsed.status, 'completed');
    assert.deepEqual(parsed, state);
  });

  it("connects through a profile of Temporal's temporal.toml instead of TEMPORAL_ADDRESS", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-profile-'));
    try {
      const file = path.join(dir, 'temporal.toml');
      fs.writeFileSync(file, `[profile.ci]\naddress = "${stack.address}"\nnamespace = "${stack.namespace}"\n`);
      const profileEnv = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'ci', TEMPORAL_TASK_QUEUE: stack.taskQueue };
      const run = await agentctl(['status', id, '--json'], profileEnv);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as AgentState).status, 'completed');
      assertCleanFailure(
        await agentctl(['status', id], { ...profileEnv, TEMPORAL_PROFILE: 'nope' }),
        /Temporal config profile "nope" of .*temporal\.toml/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('status of an unknown id is one clear line', async () => {
    assertCleanFailure(await agentctl(['status', 'does-not-exist'], env), /no workflow with id "does-not-exist"/);
    assertCleanFailure(await agentctl(['result', 'does-not-exist'], env), /no workflow with id "does-not-exist"/);
  });

  it('list includes the run', async () => {
    // Visibility is eventually consistent: give the dev server a moment to index the run.
    let run: CliRun = { code: null, stdout: '', stderr: '' };
    for (let attempt = 0; attempt < 40; attempt++) {
      run = await agentctl(['list'], env);
      if (run.code === 0 && run.stdout.includes(id)) break;
      await sleep(250);
    }
    assert.equal(run.code, 0, run.stderr);
    const row = lines(run.stdout).find((l) => l.startsWith(id));
    assert.ok(row, `list shows ${id}:\n${run.stdout}`);
    assert.match(row, /research-assistant\s+completed/);
    const completed = await agentctl(['list', '--status', 'completed', '--limit', '5'], env);
    assert.ok(completed.stdout.includes(id), completed.stdout);
  });

  /** Polls the run's state through agentctl until a tool call waits for approval. */
  async function waitForApproval(workflowId: string): Promise<AgentState> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const run = await agentctl(['status', workflowId, '--json'], env);
      if (run.code === 0) {
        const state = JSON.parse(run.stdout) as AgentState;
        if (state.pendingApprovals.length > 0) return state;
      }
      if (Date.now() > deadline) assert.fail(`run ${workflowId} never waited for approval: ${run.stdout}${run.stderr}`);
      await sleep(250);
    }
  }

  it('approve lets a waiting tool call run', async () => {
    const clerk = `agentctl-clerk-${process.pid}`;
    const started = await agentctl(['start', 'file-clerk', '--model', 'mock:file-clerk', '--id', clerk], env);
    assert.equal(started.code, 0, started.stderr);
    const waiting = await waitForApproval(clerk);
    const approvalId = waiting.pendingApprovals[0]?.approvalId as string;

    const status = await agentctl(['status', clerk], env);
    assert.match(status.stdout, /status:\s+awaiting_approval/);
    assert.match(status.stdout, /ID\s+WHAT\s+PROPOSED/);
    assert.ok(status.stdout.includes(approvalId), status.stdout);
    assert.match(status.stdout, /write_file/);

    let listed: CliRun = { code: null, stdout: '', stderr: '' };
    for (let attempt = 0; attempt < 40 && !listed.stdout.includes(clerk); attempt++) {
      listed = await agentctl(['list', '--awaiting-approval'], env);
      if (!listed.stdout.includes(clerk)) await sleep(250);
    }
    assert.ok(listed.stdout.includes(clerk), `list --awaiting-approval shows ${clerk}:\n${listed.stdout}`);

    const wrong = await agentctl(['approve', clerk, '--approval', 'no-such-approval'], env);
    assertCleanFailure(wrong, new RegExp(`no pending approval "no-such-approval".*${approvalId}`));

    const approved = await agentctl(['approve', clerk, '--by', 'tester', '--comment', 'fine'], env);
    assert.equal(approved.code, 0, approved.stderr);
    assert.ok(approved.stdout.includes(`approved ${approvalId}`), approved.stdout);

    const result = await agentctl(['result', clerk], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /I wrote notes\/summary\.md\./);
    assertCleanFailure(await agentctl(['approve', clerk], env), /completed; there is nothing to approve/);
  });

  it('reject answers the tool call with the reason', async () => {
    const clerk = `agentctl-reject-${process.pid}`;
    assert.equal((await agentctl(['start', 'file-clerk', '--model', 'mock:file-clerk', '--id', clerk], env)).code, 0);
    await waitForApproval(clerk);
    const rejected = await agentctl(['reject', clerk, '--reason', 'no writes today'], env);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, /^rejected /);
    assert.equal((await agentctl(['result', clerk], env)).code, 0);
    const state = await stack.client.workflow.getHandle(clerk).query(stateQuery);
    assert.ok(
      state.steps.some((s) => s.kind === 'tool' && s.name === 'write_file' && s.status === 'rejected'),
      JSON.stringify(state.steps),
    );
  });

  it('cancel stops a run; its result says so', async () => {
    const clerk = `agentctl-cancel-${process.pid}`;
    assert.equal((await agentctl(['start', 'file-clerk', '--model', 'mock:file-clerk', '--id', clerk], env)).code, 0);
    await waitForApproval(clerk);
    const cancelled = await agentctl(['cancel', clerk], env);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assertCleanFailure(await agentctl(['result', clerk], env), new RegExp(`run ${clerk} was cancelled`));
    assertCleanFailure(await agentctl(['cancel', clerk], env), /already cancel+ed; nothing to cancel/);
  });

  it('a failed run prints its failure type in one line and exits 1', async () => {
    const failing = `agentctl-auth-${process.pid}`;
    const run = await agentctl(
      ['start', 'research-assistant', '--model', 'mock:auth-failed', '--id', failing, '--wait'],
      env,
    );
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stdout.includes(failing), 'the start lines come first');
    const err = lines(run.stderr);
    assert.equal(err.length, 1, run.stderr);
    assert.match(err[0] ?? '', new RegExp(`^agentctl: run ${failing} failed.*AuthFailed`));
    assert.ok(!run.stderr.includes('    at '));
    const again = await agentctl(['result', failing], env);
    assertCleanFailure(again, /AuthFailed: .*Incorrect API key/);
    assert.equal(again.code, 1);
  });
});
