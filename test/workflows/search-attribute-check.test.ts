/**
 * createAgentWorker (and the plugin, when a worker runs) refuses to start on a namespace that lacks a search attribute runs set (an upsert of an unregistered
 * attribute fails the workflow task, so every new run would wait, stuck), and names the command that registers
 * it; once registered, the same worker runs an agent to the end.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createAgentClient } from '../../src/client';
import { agentModelKey, agentSearchAttributeKeys } from '../../src/contracts/search-attributes';
import { startMockLlmServer, type MockLlmServer } from '../../src/servers/mock-llm/server';
import { createLocalEnvironment } from '../../src/testing/local-environment';
import { createLogger, installTemporalLogging } from '../../src/telemetry/logging';
import { createAgentWorker } from '../../src/worker/agent-worker';
import { resolveTemporalCli } from '../../scripts/temporal-cli';

describe('search attributes are checked when a worker starts', () => {
  let env: TestWorkflowEnvironment;
  let mock: MockLlmServer;
  const workspaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-sa-check-'));

  before(async () => {
    installTemporalLogging(createLogger('error', 2));
    const cli = await resolveTemporalCli({ allowInstall: true });
    env = await createLocalEnvironment({
      server: {
        ...(cli.source === 'sdk-download' ? {} : { executable: { type: 'existing-path', path: cli.path } }),
        ip: '127.0.0.1',
        // Every attribute but AgentModel: a namespace set up before AgentModel existed.
        searchAttributes: agentSearchAttributeKeys.filter((k) => k.name !== agentModelKey.name),
        extraArgs: ['--log-level', 'error'],
      },
    });
    mock = await startMockLlmServer();
  });
  after(async () => {
    await mock?.close();
    await env?.teardown();
  });

  const worker = (taskQueue: string) =>
    createAgentWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      providers: { mock: { baseURL: mock.url, wire: 'openai' } },
      workspaceDir,
      conversationStore: { kind: 'file', dir: path.join(workspaceDir, 'conversations') },
    });

  it('refuses to run, naming the missing attribute and how to register it; runs once it is registered', async () => {
    await assert.rejects(worker('sa-check-refused'), (err: Error) => {
      assert.match(err.message, /lacks the search attributes AgentModel/);
      assert.match(
        err.message,
        /temporal operator search-attribute create --namespace default --name AgentModel --type Keyword/,
      );
      return true;
    });

    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: { [agentModelKey.name]: 2 /* INDEXED_VALUE_TYPE_KEYWORD */ },
    });
    const running = await worker('sa-check');
    const done = running.run();
    try {
      const client = createAgentClient({ client: env.client, taskQueue: 'sa-check' });
      const run = await client.startAgent('research-assistant', { input: 'hello', model: 'mock:hello' });
      const outcome = await client.outcome(run.workflowId);
      assert.equal(outcome.outcome, 'completed', JSON.stringify(outcome));
    } finally {
      running.shutdown();
      await done;
    }
  });
});
