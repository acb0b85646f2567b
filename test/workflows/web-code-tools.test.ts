/**
 * The http_fetch and run_javascript tools: their limits on their own (address checks, redirects, deadlines,
 * size limits, the sandbox), then in agent runs on a real dev server with the mock LLM.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, approveSignal, stateQuery, type AgentInput } from '../../src/contracts/agent-contract';
import { classifyAddress, hostAllowed } from '../../src/activities/tools/address-policy';
import { defaultHttpFetchSettings, fetchPage, type HttpFetchSettings } from '../../src/activities/tools/http-fetch';
import {
  defaultCodeRunnerSettings,
  detectSandbox,
  runJavaScript,
  type CodeRunnerSettings,
} from '../../src/activities/tools/code-runner';
import { ToolError } from '../../src/activities/tools/tool-activity';
import { toolSettingsFromEnv } from '../../src/config/tools';
import type { agentWorkflow } from '../../src/workflows';
import { startTestStack, type TestStack } from '../helpers/stack';

const PAGE = `<!doctype html><html><head><title>Durable page</title><style>body { color: red }</style>
<script>window.secretScript = "do not show"</script></head>
<body><h1>Durable agents</h1><p>Workers may crash; <b>runs continue</b> from history.</p>
<ul><li>retries</li><li>approvals</li></ul><img src="x.png" alt="pic"></body></html>`;

interface LocalSite {
  url: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}

/** A small site on 127.0.0.1: an HTML page, a redirect to localhost, a huge body and a page that never answers. */
async function startSite(): Promise<LocalSite> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const port = (server.address() as AddressInfo).port;
    if (req.url === '/page.html') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else if (req.url === '/to-localhost') res.writeHead(302, { location: `http://localhost:${port}/page.html` }).end();
    else if (req.url === '/to-page') res.writeHead(301, { location: '/page.html' }).end();
    else if (req.url === '/big') res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(300_000));
    else if (req.url === '/image') res.writeHead(200, { 'content-type': 'image/png' }).end('png');
    else if (req.url === '/hang') res.writeHead(200, { 'content-type': 'text/plain' }).write('partial');
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function toolError(promise: Promise<unknown>): Promise<ToolError> {
  const err = await promise.then(
    () => assert.fail('expected the tool to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ToolError, `expected a ToolError, got ${String(err)}`);
  return err;
}

let site: LocalSite;
let outside: string;
const canary = `canary-${process.pid}-outside-the-workspace`;

before(async () => {
  site = await startSite();
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'da-outside-'));
  fs.writeFileSync(path.join(outside, 'secret.txt'), canary);
});

after(async () => {
  await site?.close();
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
});

describe('address policy', () => {
  it('classifies loopback, private, link-local and mapped addresses, and passes public ones', () => {
    const cases: [string, string | undefined][] = [
      ['127.0.0.1', 'loopback'],
      ['10.2.3.4', 'private'],
      ['192.168.1.1', 'private'],
      ['172.20.0.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['100.64.1.1', 'carrier-grade NAT'],
      ['0.0.0.0', 'unspecified'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:a9fe:a9fe', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['fd12:3456::1', 'unique local'],
      ['2002:c0a8:101::1', 'private'],
      ['64:ff9b::7f00:1', 'loopback'],
      ['224.0.0.251', 'multicast'],
      ['8.8.8.8', undefined],
      ['172.32.0.1', undefined],
      ['2606:4700:4700::1111', undefined],
    ];
    for (const [address, kind] of cases) assert.equal(classifyAddress(address), kind, address);
  });

  it('matches allow-list entries exactly or by subdomain', () => {
    assert.ok(hostAllowed('127.0.0.1', ['127.0.0.1']));
    assert.ok(hostAllowed('[::1]', ['::1']));
    assert.ok(hostAllowed('Wiki.Intranet.example', ['*.intranet.example']));
    assert.ok(!hostAllowed('intranet.example', ['*.intranet.example']));
    assert.ok(!hostAllowed('evilintranet.example', ['*.intranet.example']));
    assert.ok(!hostAllowed('127.0.0.2', ['127.0.0.1']));
  });

  it('reads its settings from the environment and names a bad variable', () => {
    const settings = toolSettingsFromEnv({
      HTTP_FETCH_ALLOW_HOSTS: '127.0.0.1, wiki.internal ,',
      RUN_JAVASCRIPT_NEEDS_APPROVAL: 'false',
      RUN_JAVASCRIPT_TIMEOUT_MS: '2500',
    });
    assert.deepEqual(settings.httpFetch, { allowHosts: ['127.0.0.1', 'wiki.internal'] });
    assert.deepEqual(settings.codeRunner, { needsApproval: false, timeoutMs: 2500 });
    assert.throws(() => toolSettingsFromEnv({ HTTP_FETCH_MAX_BYTES: 'lots' }), /HTTP_FETCH_MAX_BYTES/);
    assert.throws(() => toolSettingsFromEnv({ RUN_JAVASCRIPT_NEEDS_APPROVAL: 'yes' }), /RUN_JAVASCRIPT_NEEDS_APPROVAL/);
  });
});

describe('fetchPage', () => {
  const settings = (more: Partial<HttpFetchSettings> = {}): HttpFetchSettings => ({
    ...defaultHttpFetchSettings,
    ...more,
  });

  it('refuses loopback addresses, literal or resolved, before sending anything', async () => {
    const before = site.hits.length;
    for (const url of [
      `${site.url}/page.html`,
      `http://localhost:${site.port}/page.html`,
      `http://[::1]:${site.port}/`,
      `http://2130706433:${site.port}/`,
    ]) {
      const err = await toolError(fetchPage(url, settings()));
      assert.equal(err.type, 'ToolPermissionDenied', url);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /loopback address.*HTTP_FETCH_ALLOW_HOSTS/, url);
    }
    assert.equal(site.hits.length, before, 'no request reached the server');
  });

  it('extracts the text of an allow-listed page and follows a redirect on the same host', async () => {
    const page = await fetchPage(`${site.url}/to-page`, settings({ allowHosts: ['127.0.0.1'] }));
    assert.equal(page.url, `${site.url}/page.html`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Durable agents/);
    assert.match(page.text, /Workers may crash; runs continue from history\./);
    assert.match(page.text, /\* retries/);
    assert.doesNotMatch(page.text, /<|secretScript|color: red/);
  });

  it('checks every redirect hop: an allow-listed host cannot send the fetch to one that is not', async () => {
    const err = await toolError(fetchPage(`${site.url}/to-localhost`, settings({ allowHosts: ['127.0.0.1'] })));
    assert.equal(err.type, 'ToolPermissionDenied');
    assert.match(err.message, /localhost resolves to (127\.0\.0\.1|::1)/);
  });

  it('cuts a body at the byte limit, refuses binary content and stops at its deadline', async () => {
    const allow = { allowHosts: ['127.0.0.1'] };
    const big = await fetchPage(`${site.url}/big`, settings({ ...allow, maxBytes: 10_000 }));
    assert.equal(big.truncated, true);
    assert.equal(big.text.length, 10_000);

    const image = await toolError(fetchPage(`${site.url}/image`, settings(allow)));
    assert.equal(image.type, 'ToolFailed');
    assert.match(image.message, /image\/png, not text/);

    const hang = await toolError(fetchPage(`${site.url}/hang`, settings({ ...allow, timeoutMs: 500 })));
    assert.equal(hang.type, 'ToolTimedOut');
    assert.equal(hang.nonRetryable, false, 'a slow server may answer next time');

    const missing = await toolError(fetchPage(`${site.url}/nope`, settings(allow)));
    assert.match(missing.message, /HTTP 404/);
    assert.equal(missing.nonRetryable, true);
  });
});

describe('runJavaScript', () => {
  let workspace: string;
  const settings = (more: Partial<CodeRunnerSettings> = {}): CodeRunnerSettings => ({
    ...defaultCodeRunnerSettings,
    timeoutMs: 3000,
    ...more,
  });
  before(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'da-code-'));
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('runs code in the workspace with no environment, and reports a non-zero exit as a result', async () => {
    fs.writeFileSync(path.join(workspace, 'input.txt'), 'forty-two');
    const ok = await runJavaScript(
      workspace,
      settings(),
      `const fs = require('fs');
       fs.writeFileSync('result.txt', fs.readFileSync('input.txt', 'utf8').toUpperCase());
       console.log(JSON.stringify(Object.keys(process.env).filter((k) => k !== 'NODE_NO_WARNINGS')));`,
    );
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '[]', 'no worker variables reach the code');
    assert.equal(fs.readFileSync(path.join(workspace, 'result.txt'), 'utf8'), 'FORTY-TWO');

    const thrown = await runJavaScript(workspace, settings(), 'throw new Error("nope")');
    assert.equal(thrown.exitCode, 1);
    assert.match(thrown.stderr, /Error: nope/);
  });

  it('cannot read, write or link outside the workspace, start processes, or escape through a planted link', async () => {
    const secret = path.join(outside, 'secret.txt');
    const result = await runJavaScript(
      workspace,
      settings(),
      `const fs = require('fs');
       const tryIt = (what, f) => { try { f(); console.log(what, 'ALLOWED'); } catch (e) { console.log(what, e.code); } };
       tryIt('read', () => console.log(fs.readFileSync(${JSON.stringify(secret)}, 'utf8')));
       tryIt('relative', () => console.log(fs.readFileSync(${JSON.stringify(path.relative(workspace, secret))}, 'utf8')));
       tryIt('write', () => fs.writeFileSync(${JSON.stringify(path.join(outside, 'planted.txt'))}, 'x'));
       tryIt('link', () => fs.symlinkSync(${JSON.stringify(secret)}, 'link.txt'));
       tryIt('spawn', () => require('child_process').execSync('cat ' + ${JSON.stringify(secret)}));`,
    );
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(canary));
    for (const what of ['read', 'relative', 'write', 'link', 'spawn'])
      assert.match(result.stdout, new RegExp(`^${what} ERR_ACCESS_DENIED$`, 'm'), what);
    assert.ok(!fs.existsSync(path.join(outside, 'planted.txt')));

    fs.symlinkSync(secret, path.join(workspace, 'planted-link.txt'));
    try {
      const refused = await toolError(runJavaScript(workspace, settings(), 'console.log(1)'));
      assert.equal(refused.type, 'ToolPermissionDenied');
      assert.match(refused.message, /planted-link\.txt/);
    } finally {
      fs.rmSync(path.join(workspace, 'planted-link.txt'));
    }
  });

  it('has no network where the OS allows a network namespace', async () => {
    const sandbox = detectSandbox({ networkIsolation: 'auto' });
    const result = await runJavaScript(
      workspace,
      settings(),
      `fetch(${JSON.stringify(`${site.url}/page.html`)}).then(() => console.log('NETWORK OPEN'), (e) => console.log('NETWORK CLOSED', e.cause && e.cause.code));`,
    );
    assert.equal(result.network, sandbox.network);
    if (sandbox.network === 'isolated') assert.match(result.stdout, /NETWORK CLOSED/);
    else assert.ok(sandbox.reason, 'an open network comes with the reason');
  });

  it('kills a runaway loop at its time limit and a memory hog at its heap limit', async () => {
    const loop = await toolError(runJavaScript(workspace, settings({ timeoutMs: 1000 }), 'for (;;) {}'));
    assert.equal(loop.type, 'ToolTimedOut');
    assert.equal(loop.nonRetryable, true);
    assert.match(loop.message, /time limit of 1000 ms/);

    const hog = await toolError(
      runJavaScript(
        workspace,
        settings({ memoryMb: 32, timeoutMs: 20_000 }),
        'const a = []; for (;;) a.push(new Array(100000).fill(Math.random()));',
      ),
    );
    assert.equal(hog.type, 'ToolFailed');
    assert.match(hog.message, /out of memory \(limit 32 MB\)/);
  });
});

describe('http_fetch and run_javascript in agent runs', () => {
  let stack: TestStack;
  const allowQueue = `allow-${process.pid}`;
  let n = 0;

  before(async () => {
    // The stack's own worker has the defaults: no private host allowed, every run_javascript call approved.
    stack = await startTestStack({ extra: { codeRunner: { timeoutMs: 1500 } } });
    await stack.startWorker({
      taskQueue: allowQueue,
      extra: { httpFetch: { allowHosts: ['127.0.0.1'] }, codeRunner: { needsApproval: false, timeoutMs: 5000 } },
    });
  });
  after(async () => {
    await stack?.stop();
  });

  function start(
    scenario: string,
    tools: string[],
    taskQueue = stack.taskQueue,
    more: Partial<AgentInput> = {},
  ): Promise<WorkflowHandle<typeof agentWorkflow>> {
    return stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `web-code-${process.pid}-${scenario}-${++n}`,
      args: [{ instructions: 'Use your tools.', input: 'go', model: `mock:${scenario}`, tools, ...more }],
    });
  }

  const toolResultSeen = (scenario: string) =>
    stack.mock.requests.filter((r) => r.scenario === scenario).at(-1)?.lastUserOrToolContent ?? '';

  it('http_fetch refuses 127.0.0.1 on a worker without an allow-list, and extracts the page on one with it', async () => {
    const scenario = {
      turns: [{ toolCalls: [{ name: 'http_fetch', arguments: { url: `${site.url}/page.html` } }] }, { text: 'done' }],
    };
    stack.mock.addScenario('fetch-refused', scenario);
    stack.mock.addScenario('fetch-allowed', scenario);
    const hits = site.hits.length;

    const refused = await (await start('fetch-refused', ['http_fetch'])).result();
    const refusedStep = refused.steps.find((s) => s.kind === 'tool');
    assert.equal(refusedStep?.status, 'error');
    assert.match(refusedStep?.summary ?? '', /ToolPermissionDenied.*127\.0\.0\.1 is a loopback address/);
    assert.match(toolResultSeen('fetch-refused'), /HTTP_FETCH_ALLOW_HOSTS/, 'the model reads why');
    assert.equal(site.hits.length, hits, 'the refused fetch sent nothing');

    const allowed = await (await start('fetch-allowed', ['http_fetch'], allowQueue)).result();
    assert.equal(allowed.steps.find((s) => s.kind === 'tool')?.status, 'ok');
    const text = toolResultSeen('fetch-allowed');
    assert.match(text, /Status: 200/);
    assert.match(text, /Workers may crash; runs continue from history\./);
    assert.doesNotMatch(text, /<p>|secretScript/);
  });

  it('run_javascript waits for approval, then its runaway loop is killed at the time limit', async () => {
    const pidFile = path.join(stack.workspaceDir, 'loop.pid');
    stack.mock.addScenario('code-loop', {
      turns: [
        {
          toolCalls: [
            {
              name: 'run_javascript',
              arguments: { code: `require('fs').writeFileSync('loop.pid', String(process.pid)); for (;;) {}` },
            },
          ],
        },
        { text: 'The loop was stopped.' },
      ],
    });
    const handle = await start('code-loop', ['run_javascript']);
    let pending = (await handle.query(stateQuery)).pendingApprovals;
    for (let i = 0; i < 200 && !pending.length; i++) {
      await sleep(100);
      pending = (await handle.query(stateQuery)).pendingApprovals;
    }
    assert.equal(pending[0]?.what, 'tool run_javascript', 'destructive by default: it waits for a person');
    assert.ok(!fs.existsSync(pidFile), 'nothing ran before the approval');
    await handle.signal(approveSignal, { by: 'test' });

    const result = await handle.result();
    assert.equal(result.text, 'The loop was stopped.');
    const step = result.steps.find((s) => s.kind === 'tool');
    assert.equal(step?.status, 'error');
    assert.match(step?.summary ?? '', /ToolTimedOut.*time limit of 1500 ms/);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the looping process is gone');
    // One attempt only: a program past its limit would pass it again.
    const attempts = ((await handle.fetchHistory()).events ?? []).filter(
      (e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt !== 1,
    );
    assert.equal(attempts.length, 0);
  });

  it('run_javascript cannot read a file outside the workspace', async () => {
    stack.mock.addScenario('code-outside', {
      turns: [
        {
          toolCalls: [
            {
              name: 'run_javascript',
              arguments: {
                code: `console.log(require('fs').readFileSync(${JSON.stringify(path.join(outside, 'secret.txt'))}, 'utf8'))`,
              },
            },
          ],
        },
        { text: 'Access was denied.' },
      ],
    });
    const result = await (await start('code-outside', ['run_javascript'], allowQueue)).result();
    assert.equal(result.text, 'Access was denied.');
    const seen = toolResultSeen('code-outside');
    assert.match(seen, /exit code 1/);
    assert.match(seen, /ERR_ACCESS_DENIED/);
    assert.doesNotMatch(seen, new RegExp(canary));
  });
});
