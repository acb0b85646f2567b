/**
 * The Temporal Web UI shows what a run did: a browser test in headless Chromium (Debian's, driven by
 * playwright-core) opens a finished agent run and finds its static summary and the summaries of its model
 * and tool activities. A screenshot is kept in test-artifacts/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { chromium, type Browser } from 'playwright-core';
import { createAgentWorker } from '../../src/worker/agent-worker';
import { AGENT_WORKFLOW_TYPE } from '../../src/contracts/agent-contract';
import { createLogger, installTemporalLogging } from '../../src/telemetry/logging';
import { startMockLlmServer, type MockLlmServer } from '../../src/servers/mock-llm/server';
import type { agentWorkflow } from '../../src/workflows';
import { startDevServer, type DevServerHandle } from '../../scripts/dev-server';
import { resolveTemporalCli } from '../../scripts/temporal-cli';

const chromiumPath = '/usr/bin/chromium';
const artifacts = path.resolve(__dirname, '..', '..', 'test-artifacts');

describe(
  'Temporal Web UI',
  { skip: fs.existsSync(chromiumPath) ? false : 'Debian chromium not installed (scripts/install-browser.sh)' },
  () => {
    let server: DevServerHandle;
    let mock: MockLlmServer;
    let nativeConnection: NativeConnection;
    let connection: Connection;
    let worker: Worker;
    let running: Promise<unknown>;
    let browser: Browser;
    const workspaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-webui-'));

    before(async () => {
      installTemporalLogging(createLogger('warn', 2));
      const cli = await resolveTemporalCli({ allowInstall: true });
      server = await startDevServer({ cliPath: cli.path, port: 0, uiPort: 0, logLevel: 'error' });
      mock = await startMockLlmServer();
      nativeConnection = await NativeConnection.connect({ address: server.address });
      worker = await createAgentWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue: 'web-ui-test',
        providers: { mock: { baseURL: mock.url, wire: 'openai' } },
        workspaceDir,
        knowledgeBaseDir: path.resolve(__dirname, '../../src/agents/knowledge-base'),
      });
      // The worker's run() also runs the model workers of its provider queues.
      running = worker.run();
      connection = await Connection.connect({ address: server.address });
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
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection?.close();
      await nativeConnection?.close();
      await mock?.close();
      await server?.stop();
      fs.rmSync(workspaceDir, { recursive: true, force: true });
    });

    it("shows the run's summary and its activity summaries", async () => {
      const client = new Client({ connection });
      const workflowId = `web-ui-${process.pid}`;
      await client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue: 'web-ui-test',
        workflowId,
        staticSummary: 'calculator demo · two tool calls',
        args: [
          {
            agent: 'calc',
            instructions: 'Compute.',
            input: 'What is 5 * 7?',
            model: 'mock:two-tool-calls',
            tools: ['calculator'],
          },
        ],
      });

      const page = await browser.newPage({ viewport: { width: 1600, height: 2200 } });
      await page.goto(`${server.uiUrl}/namespaces/default/workflows/${workflowId}`, { waitUntil: 'networkidle' });
      await page.getByText('calculator demo · two tool calls').first().waitFor({ timeout: 30_000 });
      // Activity summaries appear in the event history; wait until the rows have rendered.
      await page.getByText('model mock:two-tool-calls · calc · step 1').first().waitFor({ timeout: 30_000 });
      const text = await page.locator('body').innerText();
      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'web-ui-agent-run.png'), fullPage: true });

      assert.match(text, /calculator demo · two tool calls/, 'static summary');
      for (const summary of [
        'model mock:two-tool-calls · calc · step 1',
        'model mock:two-tool-calls · calc · step 3',
        'tool calculator · calc · step 1',
      ]) {
        assert.ok(text.includes(summary), `the page shows "${summary}"`);
      }
      await page.close();
    });
  },
);
