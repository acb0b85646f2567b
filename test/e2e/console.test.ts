/**
 * The agent console in real headless Chromium (Debian's, driven by playwright-core), served by the real HTTP API
 * from a build made here (scripts/build-console.mjs into a temp folder), against a real dev server, worker and mock
 * LLM that share an in-process token broker with the API. In the browser: sign in, start a streaming run from the
 * start page and see its text grow on the run page while the model step still runs; approve a graph child's tool
 * call in the approvals inbox and see the run complete with its cost; a runs:read key sees no start or decide
 * buttons. Screenshots of the runs list, a run page, the inbox and the cost view go to test-artifacts/, and axe-core
 * finds no critical accessibility violation on those pages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAgentClient, type AgentClient } from '../../src/client';
import type { GraphSpecInput } from '../../src/contracts/graph-spec';
import { createApiServer } from '../../src/servers/api/app';
import { hashApiKey, type ApiKey } from '../../src/servers/api/auth';
import { createInProcessTokenBroker } from '../../src/streaming/in-process';
import { useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const chromiumPath = '/usr/bin/chromium';
const repoRoot = path.resolve(__dirname, '..', '..');
const artifacts = path.join(repoRoot, 'test-artifacts');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const OPS_KEY = 'console-ops-key-0123456789abcdef';
const VIEWER_KEY = 'console-viewer-key-0123456789abcdef';
const keys: ApiKey[] = [
  { name: 'ops', sha256: hashApiKey(OPS_KEY), scopes: ['runs:start', 'runs:read', 'approvals:decide'] },
  { name: 'viewer', sha256: hashApiKey(VIEWER_KEY), scopes: ['runs:read'] },
];
const OPS = { authorization: `Bearer ${OPS_KEY}` };
const WEB_UI = 'http://127.0.0.1:8233';

const tokens = createInProcessTokenBroker();
const consoleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-console-'));
let client: AgentClient;
let app: FastifyInstance;
let base: string;

// Registered before the stack's own after hook, so it runs first: the API (and its event streams, which poll
// Temporal) is closed while the dev server and worker are still up.
after(async () => {
  await app?.close();
  await tokens.close();
  fs.rmSync(consoleDir, { recursive: true, force: true });
});
const stack = useTestStack({ extra: { tokens } }, async (s) => {
  const { buildConsole } = await import('../../scripts/build-console.mjs');
  await buildConsole({ outDir: consoleDir });
  client = createAgentClient({ client: s.client, taskQueue: s.taskQueue, tokens });
  app = await createApiServer({ client, keys, webUiUrl: WEB_UI, pollIntervalMs: 100, heartbeatMs: 1000, consoleDir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/** Runs axe-core on the page: no critical violation; serious ones are printed in the message if any fail. */
async function assertAccessible(page: Page, name: string): Promise<void> {
  // The console's CSP allows scripts from 'self' only; page.evaluate runs in the page's world without a script tag.
  await page.evaluate(axeSource);
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as AxeResult;
  const describe = (impact: string): string[] =>
    result.violations
      .filter((v) => v.impact === impact)
      .map((v) => `${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  const critical = describe('critical');
  assert.deepEqual(
    critical,
    [],
    `${name}: critical accessibility violations; serious: ${describe('serious').join('; ')}`,
  );
}

type LiveTextCheck = (previous: string) => boolean;
/**
 * True when the run page's live text is longer than `previous` and continues it. Playwright runs it in the page
 * (a function, not a string: the console's CSP refuses eval), so it may use nothing from this file.
 */
const liveTextGrew: LiveTextCheck = (previous) => {
  const doc = (
    globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }
  ).document;
  const now = doc.querySelector('.live-text')?.textContent ?? '';
  return now.length > previous.length && now.startsWith(previous);
};

async function screenshot(page: Page, file: string): Promise<void> {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, file), fullPage: true });
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
}

async function post(pathname: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}${pathname}`, {
    method: 'POST',
    headers: { ...OPS, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, 202, JSON.stringify(json));
  return json;
}

describe(
  'agent console in Chromium',
  { skip: fs.existsSync(chromiumPath) ? false : 'Debian chromium not installed (scripts/install-browser.sh)' },
  () => {
    let browser: Browser;
    before(async () => {
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });
    after(async () => {
      await browser?.close();
    });

    it('refuses a wrong key with the API message, then signs in and starts a run whose text streams live', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') cspErrors.push(m.text());
      });
      await page.goto(`${base}/console/`);
      await page.getByLabel('API key').fill('not-a-key-of-anyone-0123456789');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').getByText('the API key is not valid').waitFor();

      await page.getByLabel('API key').fill(OPS_KEY);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Signed in as').waitFor();
      assert.match(await page.locator('.who').innerText(), /ops/);

      await page.getByRole('link', { name: 'Start a run' }).click();
      await page.getByRole('heading', { name: 'Start a run' }).waitFor();
      await page.getByLabel('Agent or graph').selectOption('agent:research-assistant');
      await page.getByLabel('Input').fill('Tell me about durable agents.');
      await page.getByLabel('Model (optional, provider:model)').fill('mock:streaming');
      await page.getByRole('button', { name: 'Start' }).click();
      await page.waitForURL(/\/console\/runs\/[^/]+$/);
      const workflowId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

      // The first live words, read in the page, then the run's state from the API: the model step still runs.
      const live = page.locator('.live-text').first();
      await page.waitForFunction(liveTextGrew, '', { polling: 'raf', timeout: 30_000 });
      const early = await live.innerText();
      const state = (await client.getState(workflowId)) as unknown as { steps: { kind: string; status: string }[] };
      const modelStep = state.steps.filter((s) => s.kind === 'model').at(-1);
      assert.equal(modelStep?.status, 'running', `the model step runs while the page shows "${early}"`);
      // …and the text grows while it writes.
      await page.waitForFunction(liveTextGrew, early.trimEnd(), { polling: 'raf', timeout: 30_000 });

      const outcome = await client.outcome(workflowId);
      assert.equal(outcome.outcome, 'completed');
      const answer = (outcome as unknown as { result: { text: string } }).result.text;
      assert.ok(answer.startsWith(early.trim()), `the live text "${early}" begins the answer "${answer}"`);
      await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 30_000 });
      await page.getByText(answer.slice(0, 40)).first().waitFor();
      // The transcript: the agent's instructions, the input and the answer as the model's message.
      const transcript = page.locator('section[aria-labelledby="transcript-heading"]');
      await transcript.locator('.item.model').first().waitFor({ timeout: 30_000 });
      assert.match(
        await transcript.innerText(),
        /Instructions[\s\S]*Tell me about durable agents[\s\S]*Durable agents keep/,
      );
      assert.equal(
        await page.getByRole('link', { name: 'Open in the Temporal Web UI' }).getAttribute('href'),
        `${WEB_UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`,
      );
      await screenshot(page, 'console-run-page.png');
      await assertAccessible(page, 'run page');
      assert.deepEqual(
        cspErrors.filter((e) => /Content Security Policy/i.test(e)),
        [],
        'nothing is refused by the CSP',
      );
      await page.close();
    });

    it("shows a graph child's approval in the inbox; approving it there completes the run with its cost", async () => {
      stack.mock.addScenario('console-child', {
        turns: [
          { toolCalls: [{ name: 'write_file', arguments: { path: 'console/child.md', content: 'from the child' } }] },
          { text: 'filed it' },
        ],
      });
      const spec: GraphSpecInput = {
        name: 'console-child-gate',
        agents: {
          clerk: {
            instructions: 'File it.',
            model: 'mock:console-child',
            tools: ['write_file'],
            approvalRequiredTools: ['write_file'],
          },
        },
        state: { topic: { type: 'string' }, report: { type: 'string' } },
        entry: 'file',
        nodes: {
          file: { kind: 'agent', agent: 'clerk', input: 'file the report', output: 'report', next: 'done' },
          done: { kind: 'end', output: 'report' },
        },
      };
      const started = await post('/v1/runs', { spec, input: 'quarterly' });
      const workflowId = started.workflowId as string;
      await waitFor('the child approval to be pending', async () => {
        const answer = await client.tryGetState(workflowId);
        return answer.ok && answer.state.pendingApprovals.length > 0;
      });

      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await signIn(page, OPS_KEY);
      await page.locator(`tr[data-workflow-id="${workflowId}"]`).waitFor();
      await screenshot(page, 'console-runs-list.png');
      await assertAccessible(page, 'runs list');
      // Filters: a status the run does not have hides it; the kind "graph" keeps it and drops the agent runs.
      const row = page.locator(`tr[data-workflow-id="${workflowId}"]`);
      await page.getByLabel('Status').selectOption('completed');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await row.waitFor({ state: 'detached' });
      await page.getByLabel('Status').selectOption('');
      await page.getByLabel('Kind').selectOption('graph');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.locator('tr[data-workflow-id]').first().waitFor();
      await waitFor('only graph runs listed', async () => {
        const types = await page.locator('table.runs tbody tr').allInnerTexts();
        return types.length > 0 && types.every((t) => t.includes('graphWorkflow'));
      });
      await row.waitFor();

      await page.getByRole('link', { name: 'Approvals' }).click();
      const card = page.locator('[data-approval-id="clerk-1/step-1-call-1"]');
      await card.waitFor({ timeout: 30_000 });
      const text = await card.innerText();
      assert.match(text, /write_file/);
      assert.match(text, /console\/child\.md/);
      await screenshot(page, 'console-approvals-inbox.png');
      await assertAccessible(page, 'approvals inbox');

      // Edited arguments are checked before anything is sent (JSON, then the tool's schema from the inbox); a
      // rejection needs a reason. Then approve with arguments edited in the inbox: the tool runs with those.
      await card.getByRole('button', { name: 'Reject' }).click();
      await card.getByRole('alert').getByText('A rejection needs a reason.').waitFor();
      await card.getByLabel('Edit the arguments before approving').check();
      const edited = card.getByLabel('Edited arguments (JSON)');
      await edited.fill('{ not json');
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.getByRole('alert').getByText('not valid JSON').waitFor();
      await edited.fill('{ "path": 3, "content": "x" }');
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.getByRole('alert').getByText('args.path should be string').waitFor();
      await edited.fill('{ "path": "console/child.md", "content": "edited in the inbox" }');
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.waitFor({ state: 'detached', timeout: 30_000 });

      const outcome = await client.outcome(workflowId);
      assert.equal(outcome.outcome, 'completed', JSON.stringify(outcome));
      const final = await client.getState(workflowId);
      assert.ok(final.cost.totalUsd > 0, 'the run has a cost');
      await page.goto(`${base}/console/runs/${encodeURIComponent(workflowId)}`);
      await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 30_000 });
      const cost = await page.getByTestId('run-cost').innerText();
      assert.notEqual(cost, '—');
      assert.ok(
        Math.abs(Number(cost.replace('$', '')) - final.cost.totalUsd) < 1e-4,
        `${cost} ≈ ${final.cost.totalUsd}`,
      );
      // The child, expanded in the tree: its transcript is fetched then, with the tool call and its result.
      await page.getByRole('heading', { name: 'Children' }).waitFor({ timeout: 30_000 });
      await page.locator('.child-node > button').first().click();
      const child = page.locator('.child-body').first();
      await child.locator('.item.tool').first().waitFor({ timeout: 30_000 });
      const toolText = await child.locator('.item.tool').first().innerText();
      assert.match(toolText, /write_file/);
      assert.match(toolText, /console\/child\.md/);
      assert.match(toolText, /edited in the inbox/, 'the tool ran with the arguments edited in the inbox');
      assert.match(toolText, /Result/);
      await screenshot(page, 'console-graph-run-page.png');
      await page.close();
    });

    it('the cost view charts and tabulates spend by agent and model', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await signIn(page, OPS_KEY);
      await page.getByRole('link', { name: 'Costs' }).click();
      await page.getByRole('heading', { name: 'Costs' }).waitFor();
      await page.locator('table.costs tbody tr').first().waitFor({ timeout: 30_000 });
      const rows = await page.locator('table.costs tbody tr').allInnerTexts();
      assert.ok(
        rows.some((r) => r.includes('mock:streaming')),
        rows.join('\n'),
      );
      assert.equal(await page.locator('canvas').count(), 1, 'the chart is drawn');
      await screenshot(page, 'console-costs.png');
      await assertAccessible(page, 'cost view');
      await page.close();
    });

    it('a runs:read key sees no start, approve or reject buttons; a 401 returns to the sign-in form', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await signIn(page, VIEWER_KEY);
      assert.equal(await page.getByRole('link', { name: 'Start a run' }).count(), 0);
      // Something to decide, seen by a key that may not decide it.
      stack.mock.addScenario('console-viewer', {
        turns: [{ toolCalls: [{ name: 'write_file', arguments: { path: 'console/viewer.md', content: 'x' } }] }],
      });
      const started = await post('/v1/runs', {
        spec: {
          name: 'console-viewer-clerk',
          instructions: 'File it.',
          model: 'mock:console-viewer',
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
        },
        input: 'file it',
      });
      const workflowId = started.workflowId as string;
      await page.getByRole('link', { name: 'Approvals' }).click();
      const card = page.locator('section.inbox-entry', { hasText: workflowId });
      await card.waitFor({ timeout: 30_000 });
      assert.equal(await card.getByRole('button').count(), 0, 'no decide buttons in the inbox');
      await page.goto(`${base}/console/runs/${encodeURIComponent(workflowId)}`);
      await page.getByRole('heading', { name: 'Pending approvals' }).waitFor({ timeout: 30_000 });
      assert.equal(await page.getByRole('button', { name: /Approve|Reject|Cancel run/ }).count(), 0);
      await client.cancel(workflowId);

      // A key that stops being valid mid-session: the next call's 401 returns to the sign-in form, saying why.
      await page.evaluate("sessionStorage.setItem('durable-agents.apiKey', 'revoked-key-0123456789abcdef')");
      await page.getByRole('link', { name: 'Runs' }).click();
      await page.getByLabel('API key').waitFor({ timeout: 30_000 });
      await page.getByRole('alert').getByText('the API key is not valid').waitFor();
      await page.close();
    });
  },
);
