/**
 * Replays every saved history against today's workflow code. A change that alters the command sequence
 * without `patched()` fails here, before it can strand running agents in production.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/agent-worker';
import { shippedAgentSpecs } from '../../src/agents';
import { shippedGraphs } from '../../src/agents/graphs';
import { createLogger, installTemporalLogging } from '../../src/telemetry/logging';

const historiesDir = path.join(__dirname, '..', 'histories');

interface SavedHistory {
  /** Path relative to test/histories, e.g. `research-assistant.json` or `shipped/graph-supervisor.json`. */
  file: string;
  workflowId: string;
}

/**
 * Every saved history: the original corpus at the top and every sub-folder (`shipped/`, …). A folder's
 * manifest.json names the workflow id each file was recorded under; child workflow ids derive from it.
 */
function savedHistories(): SavedHistory[] {
  const folders = [
    '',
    ...fs
      .readdirSync(historiesDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort(),
  ];
  return folders.flatMap((folder) => {
    const dir = path.join(historiesDir, folder);
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = fs.existsSync(manifestFile)
      ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, { workflowId: string }>)
      : {};
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
      .sort()
      .map((f) => ({ file: path.join(folder, f), workflowId: manifest[f]?.workflowId ?? path.basename(f, '.json') }));
  });
}

const saved = savedHistories();
const files = saved.map((h) => h.file);
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

function histories() {
  return saved.map((h) => ({
    workflowId: h.workflowId,
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, h.file), 'utf8'))),
  }));
}

async function replayAll(entry: string) {
  installTemporalLogging(createLogger('error', 2));
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: entry, logger: quiet });
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories())) results.push(result);
  return results;
}

describe('saved histories', () => {
  it('holds a corpus to replay', () => {
    assert.ok(files.length >= 4, `histories found: ${files.join(', ')}`);
  });

  it('include a run of every shipped agent and graph and the code-first example', () => {
    const shipped = new Set(files.filter((f) => f.startsWith(`shipped${path.sep}`)).map((f) => path.basename(f)));
    for (const agent of shippedAgentSpecs()) assert.ok(shipped.has(`agent-${agent.name}.json`), agent.name);
    for (const graph of shippedGraphs()) assert.ok(shipped.has(`graph-${graph.name}.json`), graph.name);
    assert.ok(shipped.has('code-first-sales-follow-up.json'));
  });

  it('replay without error on the current workflow code', async () => {
    const results = await replayAll(workflowsPath);
    for (const r of results) assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    assert.ok(results.length > 0);
    assert.equal(results.length, files.length);
  });

  it('fail to replay on a change that adds a command without patched()', async () => {
    const results = await replayAll(path.join(__dirname, '..', 'fixtures', 'unpatched-change-workflows.ts'));
    for (const r of results) {
      assert.ok(
        r.error instanceof DeterminismViolationError,
        `${r.workflowId} should fail with a determinism violation, got ${String(r.error)}`,
      );
    }
  });
});
