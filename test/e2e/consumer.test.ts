/**
 * The package as a user gets it: `npm pack`, the tarball installed into a fresh project outside the repository, and
 * that project's own plain JavaScript (no tsx) defining a tool, adding durable-agents to a Worker of its own through
 * the plugin, starting its own agent spec file through the client API, approving the call the spec gates, and
 * running the installed agentctl with plain Node.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestStack, type TestStack } from '../helpers/stack';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let work: string;
let project: string;
let tarball: string;
let stack: TestStack;

/** The consumer's own tool, in a module of its own so both of its workers register it. */
const toolsSource = `
'use strict';
const { z } = require('zod');
const { defineTool } = require('durable-agents/worker');

const refunds = [];
// Idempotent, so nothing but the agent spec's approvalRequiredTools makes a call wait for a person.
const refundOrder = defineTool({
  name: 'refund_order',
  description: 'Refund an order.',
  schema: z.object({ orderId: z.string() }),
  sideEffects: 'idempotent',
  run: ({ orderId }, call) => {
    refunds.push({ orderId, key: call.idempotencyKey });
    return 'refunded ' + orderId;
  },
});
module.exports = { refundOrder, refunds };
`;

/** The consumer's agent spec file: its instructions, a scripted mock model, its own tool, gated by approval. */
const supportAgentSpec = `name: support-agent
description: Answers support requests; a refund waits for a person.
instructions: Refund what you are asked to.
model: mock:consumer-refund
tools: [refund_order]
approvalRequiredTools: [refund_order]
`;

/**
 * The consumer's worker and app: plain CommonJS, resolved from the installed package only. The app part is the
 * README's application example (\`app.ts\`) in plain JavaScript.
 */
const workerSource = `
'use strict';
const { Worker, NativeConnection } = require('@temporalio/worker');
const { Client, Connection } = require('@temporalio/client');
const { createAgentWorker, durableAgentsPlugin } = require('durable-agents/worker');
const { connectAgentClient } = require('durable-agents');
const { refundOrder, refunds } = require('./tools');

async function main() {
  const { TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue, MOCK_URL: mockUrl, WORKSPACE: workspaceDir } = process.env;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./workflows'),
    plugins: [durableAgentsPlugin({ providers: { mock: { baseURL: mockUrl, wire: 'openai' } }, workspaceDir, tools: [refundOrder] })],
  });
  // A second queue served by a worker that runs only durable-agents, where the app's own workflow sends its agent.
  const agentsQueue = taskQueue + '-agents';
  const agentsWorker = await createAgentWorker({ connection, namespace: 'default', taskQueue: agentsQueue, providers: { mock: { baseURL: mockUrl, wire: 'openai' } }, workspaceDir });
  const agentsRun = agentsWorker.run();
  const out = {};
  await worker.runUntil(async () => {
    // The README's app.ts: start the agent from its spec file, approve the call it proposes, read the answer.
    const client = await connectAgentClient(); // TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, …
    const run = await client.startAgent('./support-agent.yaml', { input: 'Refund O-7', id: 'consumer-refund-' + process.pid });
    for await (const event of client.events(run.workflowId)) {
      if (event.type === 'approval.requested') {
        out.pendingWhat = event.approval.what;
        out.refundsBeforeApproval = refunds.length;
        out.decided = await client.approve(run.workflowId, { approvalId: event.approval.approvalId, by: 'consumer' });
      }
    }
    const result = await client.result(run.workflowId);
    await client.close();
    out.started = { name: run.name, model: run.model };
    out.text = result.text;
    out.refunds = refunds.length;
    // The consumer's own workflow, registered beside ours on the same worker, runs an agent as a child.
    const temporal = new Client({ connection: await Connection.connect({ address }) });
    const triageId = 'consumer-triage-' + process.pid;
    out.triage = await temporal.workflow.execute('triage', { taskQueue, workflowId: triageId, args: [agentsQueue] });
    out.triageChildQueue = (await temporal.workflow.getHandle(triageId + '/triage').describe()).taskQueue;
    out.agentsQueue = agentsQueue;
  });
  agentsWorker.shutdown();
  await agentsRun;
  await connection.close();
  process.stdout.write(JSON.stringify(out) + '\\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\\n');
  process.exitCode = 1;
});
`;

/** The consumer's own workflows module: a code-first workflow built from durable-agents/workflow blocks. */
const workflowsSource = `
'use strict';
const { runAgent } = require('durable-agents/workflow');
exports.triage = async function triage(taskQueue) {
  const result = await runAgent({ agent: 'triage', instructions: 'Say hello.', input: 'hi', model: 'mock:hello' }, { taskQueue });
  return result.text;
};
`;

function node(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const clean: NodeJS.ProcessEnv = { ...process.env };
    // Plain Node: no tsx loader inherited from the test runner, no TEMPORAL_* from the shell.
    delete clean.NODE_OPTIONS;
    for (const k of Object.keys(clean)) if (k.startsWith('TEMPORAL_')) delete clean[k];
    const child = spawn(process.execPath, args, {
      cwd: project,
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the installed package', () => {
  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'da-consumer-'));
    // npm pack runs prepack, which builds dist/ from the current sources.
    const packed = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: repo, maxBuffer: 64 << 20 });
    // Lifecycle output may precede the JSON answer.
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
    tarball = path.join(work, info?.filename ?? '');
    project = path.join(work, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }),
    );
    await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: project,
      maxBuffer: 64 << 20,
      timeout: 240_000,
    });
    fs.writeFileSync(path.join(project, 'tools.js'), toolsSource);
    fs.writeFileSync(path.join(project, 'support-agent.yaml'), supportAgentSpec);
    fs.writeFileSync(path.join(project, 'worker.js'), workerSource);
    fs.writeFileSync(path.join(project, 'workflows.js'), workflowsSource);
    stack = await startTestStack({ worker: false });
    stack.mock.addScenario('consumer-refund', {
      turns: [{ toolCalls: [{ name: 'refund_order', arguments: { orderId: 'O-7' } }] }, { text: 'Refunded O-7.' }],
    });
    stack.mock.addScenario('consumer-answer', { turns: [{ text: 'Nothing to refund.' }] });
  });

  after(async () => {
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the tarball holds only what runs: no tests, CI, benchmarks, scripts or TypeScript sources', async () => {
    const { stdout } = await run('tar', ['tzf', tarball], { maxBuffer: 64 << 20 });
    const files = stdout.split('\n').filter(Boolean);
    for (const dir of ['test/', '.ci/', 'bench/', 'scripts/', 'src/']) {
      assert.deepEqual(
        files.filter((f) => f.startsWith(`package/${dir}`)),
        [],
        `${dir} is not shipped`,
      );
    }
    for (const file of [
      'dist/index.js',
      'dist/worker.d.ts',
      'dist/testing.js',
      'dist/workflow.js',
      'bin/agentctl.js',
    ]) {
      assert.ok(files.includes(`package/${file}`), file);
    }
    assert.ok(files.includes('package/dist/servers/mock-llm/scenarios/hello.yaml'), 'runtime assets are copied');
  });

  it('resolves one copy of @temporalio/worker, shared by the app and durable-agents', async () => {
    const { stdout } = await run(npm, ['ls', '@temporalio/worker', '--all', '--parseable'], { cwd: project });
    const copies = new Set(
      stdout.split('\n').filter((l) => l.endsWith(path.join('node_modules', '@temporalio', 'worker'))),
    );
    assert.equal(copies.size, 1, stdout);
    const fromApp = (await node(['-p', "require.resolve('@temporalio/worker')"])).stdout.trim();
    const fromPackage = (
      await node(['-p', "require.resolve('@temporalio/worker', { paths: [require.resolve('durable-agents/worker')] })"])
    ).stdout.trim();
    assert.equal(fromPackage, fromApp);
  });

  it('reads spec files with the loaders durable-agents/worker exports: the catalog, an agent file, a graph', async () => {
    const result = await node([
      '-e',
      `const { AgentCatalog, loadAgentSpecFile, loadGraphSpec } = require('durable-agents/worker');
const spec = loadAgentSpecFile('./support-agent.yaml');
const found = new AgentCatalog({ specsDir: '.' }).find('support-agent');
const graph = loadGraphSpec('support-router');
let bad;
try { loadAgentSpecFile('./package.json'); } catch (err) { bad = err.name; }
process.stdout.write(JSON.stringify({ spec: [spec.name, spec.approvalRequiredTools], source: found && found.source, graph: graph.name, bad }));`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      spec: ['support-agent', ['refund_order']],
      source: 'user',
      graph: 'support-router',
      bad: 'UserError',
    });
  });

  it("adds durable-agents to the app's own worker with its own tool, starts its agent spec file, approves the gated call and reads the result", async () => {
    const result = await node(['worker.js'], {
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: `consumer-${process.pid}`,
      MOCK_URL: stack.mock.url,
      WORKSPACE: work,
    });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    assert.deepEqual(
      out.started,
      { name: 'support-agent', model: 'mock:consumer-refund' },
      'the spec file was started',
    );
    assert.match(String(out.pendingWhat), /refund_order/);
    assert.equal(out.refundsBeforeApproval, 0, "the spec's approvalRequiredTools held the call");
    assert.equal((out.decided as { decision?: string }).decision, 'approved');
    assert.equal(out.text, 'Refunded O-7.');
    assert.equal(out.refunds, 1, 'the tool ran once, after the approval');
    assert.equal(typeof out.triage, 'string');
    assert.ok((out.triage as string).length > 0, 'the app workflow got the child agent answer');
    assert.equal(out.triageChildQueue, out.agentsQueue, 'runAgent ran the agent on the task queue it was given');
    // The worker says what it registered, the app's tool among them.
    // (The SDK's default logger prints the line's fields over several lines.)
    assert.match(
      result.stderr + result.stdout,
      /durable-agents registered on the worker[^]*?customTools[^\]]*refund_order/,
    );
  });

  it("runs the app's own offline test with durable-agents/testing: dev server, scripted mock model, its tool", async () => {
    fs.writeFileSync(
      path.join(project, 'own-test.js'),
      `const { z } = require('zod');
const { AGENT_WORKFLOW_TYPE } = require('durable-agents');
const { defineTool } = require('durable-agents/worker');
const { startTestStack, mockScenario, callTool, reply } = require('durable-agents/testing');
const shout = defineTool({ name: 'shout', description: 'Upper-cases text.', schema: z.object({ text: z.string() }), sideEffects: 'none', run: ({ text }) => text.toUpperCase() });
(async () => {
  const stack = await startTestStack({ tools: [shout], scenarios: { 'shout-once': mockScenario(callTool('shout', { text: 'hi' }), reply('It said HI.')) } });
  try {
    const result = await stack.client.workflow.execute(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: 'own-test-' + process.pid,
      args: [{ instructions: 'Shout.', input: 'hi', model: 'mock:shout-once', tools: ['shout'] }],
    });
    const toolResult = stack.mock.requests[1] && stack.mock.requests[1].lastUserOrToolContent;
    process.stdout.write(JSON.stringify({ text: result.text, toolCalls: result.toolCalls, toolResult }) + '\\n');
  } finally {
    await stack.stop();
  }
})().catch((err) => { process.stderr.write(String(err.stack) + '\\n'); process.exitCode = 1; });
`,
    );
    const result = await node(['own-test.js'], {}, 180_000);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    assert.deepEqual(out, { text: 'It said HI.', toolCalls: 1, toolResult: 'HI' });
  });

  it('runs the installed agentctl with plain node: --help, and start <spec file> … --wait against a worker of the app', async () => {
    const bin = path.join(project, 'node_modules', 'durable-agents', 'bin', 'agentctl.js');
    assert.ok(!fs.existsSync(path.join(project, 'node_modules', 'durable-agents', 'src')), 'no sources installed');
    const help = await node([bin, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /agentctl start/);

    const taskQueue = `consumer-cli-${process.pid}`;
    // The app's worker, with only the plugin and the app's tool, which its agent spec file names.
    fs.writeFileSync(
      path.join(project, 'cli-worker.js'),
      `const { Worker, NativeConnection } = require('@temporalio/worker');
const { durableAgentsPlugin } = require('durable-agents/worker');
const { refundOrder } = require('./tools');
(async () => {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({ connection, taskQueue: process.env.TASK_QUEUE, plugins: [durableAgentsPlugin({ providers: { mock: { baseURL: process.env.MOCK_URL, wire: 'openai' } }, workspaceDir: process.env.WORKSPACE, tools: [refundOrder] })] });
  process.on('SIGTERM', () => worker.shutdown());
  process.stdout.write('ready\\n');
  await worker.run();
  await connection.close();
})().catch((err) => { process.stderr.write(String(err.stack) + '\\n'); process.exitCode = 1; });
`,
    );
    const env = { TEMPORAL_ADDRESS: stack.address, TASK_QUEUE: taskQueue, MOCK_URL: stack.mock.url, WORKSPACE: work };
    const worker = spawn(process.execPath, ['cli-worker.js'], {
      cwd: project,
      env: { ...process.env, ...env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let workerErr = '';
    worker.stderr.setEncoding('utf8').on('data', (d: string) => (workerErr += d));
    try {
      await new Promise<void>((resolve, reject) => {
        worker.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve());
        worker.on('close', (code) => reject(new Error(`the app worker exited ${code}: ${workerErr}`)));
      });
      const started = await node(
        [
          bin,
          'start',
          './support-agent.yaml',
          '--input',
          'Is O-9 refundable?',
          // A model that answers without the tool, so --wait has no approval to wait for.
          '--model',
          'mock:consumer-answer',
          '--id',
          `consumer-cli-${process.pid}`,
          '--task-queue',
          taskQueue,
          '--wait',
        ],
        { TEMPORAL_ADDRESS: stack.address, TEMPORAL_NAMESPACE: stack.namespace },
      );
      assert.equal(started.code, 0, `${started.stderr}\nworker: ${workerErr}`);
      assert.match(started.stdout, new RegExp(`consumer-cli-${process.pid}`));
      assert.match(started.stdout, /Nothing to refund\./, 'the spec file ran to its answer');
    } finally {
      worker.kill('SIGTERM');
      await new Promise((resolve) => (worker.exitCode === null ? worker.on('close', resolve) : resolve(undefined)));
    }
  });
});
