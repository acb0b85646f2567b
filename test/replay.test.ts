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
import { workflowsPath } from '../src/agent-worker';
import { createLogger, installTemporalLogging } from '../src/logging';

const historiesDir = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

function histories() {
  return files.map((f) => ({
    workflowId: path.basename(f, '.json'),
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, f), 'utf8'))),
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

  it('replay without error on the current workflow code', async () => {
    const results = await replayAll(workflowsPath);
    for (const r of results) assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    assert.equal(results.length, files.length);
  });

  it('fail to replay on a change that adds a command without patched()', async () => {
    const results = await replayAll(path.join(__dirname, 'fixtures', 'unpatched-change-workflows.ts'));
    for (const r of results) {
      assert.ok(
        r.error instanceof DeterminismViolationError,
        `${r.workflowId} should fail with a determinism violation, got ${String(r.error)}`,
      );
    }
  });
});
