/**
 * Pure parts of the console's routes: the list filters as visibility query text, the bounds on transcript texts,
 * which /console paths name a file, and the model a graph run is filed under.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { listQuery } from '../../src/client/list';
import { costsQuery } from '../../src/client/costs';
import { argumentsSchemaOf } from '../../src/client/approvals-inbox';
import {
  cutText,
  TextBudget,
  TRANSCRIPT_SPENT_TEXT_CHARS,
  TRANSCRIPT_TEXT_CHARS,
  TRANSCRIPT_TOTAL_CHARS,
} from '../../src/client/transcript-items';
import { consolePathOf } from '../../src/servers/api/routes/console';
import { graphModelOf } from '../../src/workflows/graph/run-state';
import { parseGraphSpec } from '../../src/contracts/graph-spec';

describe('list filters', () => {
  it('write each filter into the query from validated values', () => {
    assert.equal(
      listQuery({
        kind: 'agent',
        minCostUsd: 0.5,
        maxCostUsd: 2,
        startedAfter: new Date('2026-12-01T00:00:00+01:00'),
        startedBefore: new Date('2026-12-08T00:00:00Z'),
      }),
      "WorkflowType='agentWorkflow' AND AgentCostUsd>=0.5 AND AgentCostUsd<=2 AND " +
        "StartTime>='2026-11-30T23:00:00.000Z' AND StartTime<'2026-12-08T00:00:00.000Z'",
    );
    assert.equal(listQuery({ kind: 'graph' }), "WorkflowType='graphWorkflow'");
  });

  it('refuse what is not a number or a date', () => {
    assert.throws(() => listQuery({ minCostUsd: Number.NaN }), /minCostUsd/);
    assert.throws(() => listQuery({ maxCostUsd: -1 }), /maxCostUsd/);
    assert.throws(() => listQuery({ minCostUsd: '1 OR 1=1' as unknown as number }), /minCostUsd/);
    assert.throws(() => listQuery({ startedAfter: new Date('nope') }), /startedAfter/);
    assert.throws(() => costsQuery(new Date(), "a' OR 'b"), /agent/);
  });
});

describe('transcript bounds', () => {
  it('cut long texts with a marker and keep short ones whole', () => {
    assert.equal(cutText('short'), 'short');
    const cut = cutText('x'.repeat(TRANSCRIPT_TEXT_CHARS + 5));
    assert.ok(cut.startsWith('x'.repeat(TRANSCRIPT_TEXT_CHARS)));
    assert.match(cut, /… \[5 more characters cut\]$/);
  });

  it('keep only a short head of each text once the whole transcript’s budget is spent', () => {
    const budget = new TextBudget();
    const big = 'y'.repeat(TRANSCRIPT_TEXT_CHARS);
    for (let spent = 0; spent < TRANSCRIPT_TOTAL_CHARS; spent += TRANSCRIPT_TEXT_CHARS) budget.cut(big);
    const after = budget.cut(big);
    assert.ok(after.length < TRANSCRIPT_SPENT_TEXT_CHARS + 40, String(after.length));
    assert.match(after, /more characters cut/);
    assert.equal(budget.cut('ok'), 'ok');
  });
});

describe('/console paths', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'da-console-unit-'));
  fs.writeFileSync(path.join(root, 'index.html'), '');
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), '');

  it('name files, client-side routes, missing files, and refuse traversal', () => {
    assert.deepEqual(consolePathOf(root, 'assets/app.js'), { file: 'assets/app.js' });
    assert.deepEqual(consolePathOf(root, ''), { route: true });
    assert.deepEqual(consolePathOf(root, 'runs/abc'), { route: true });
    assert.deepEqual(consolePathOf(root, 'runs/report.v2'), { route: true }, 'a run id with a dot is a run page');
    assert.deepEqual(consolePathOf(root, 'assets/gone.js'), { missing: true });
    for (const bad of ['..%2fsecret', '%2e%2e/secret', 'a/../../x', '.env', 'a%5c..%5cb', 'a%00b', '%E0%A4%A']) {
      assert.deepEqual(consolePathOf(root, bad), { refused: true }, bad);
    }
  });
});

describe('AgentModel of a graph and argument schemas', () => {
  it('files a graph under its entry node’s model, else its first agent’s, else graph', () => {
    const base = {
      name: 'g',
      state: { topic: { type: 'string' } },
      nodes: {
        ask: {
          kind: 'llm',
          model: 'mock:first',
          instructions: 'x',
          input: '{{topic}}',
          outputSchema: {},
          next: 'done',
        },
        done: { kind: 'end' },
      },
    };
    const parsed = parseGraphSpec({ ...base, entry: 'ask' });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.equal(graphModelOf(parsed.spec), 'mock:first');
    const withAgent = parseGraphSpec({
      ...base,
      agents: { clerk: { instructions: 'File it.', model: 'mock:clerk' } },
      entry: 'file',
      nodes: { ...base.nodes, file: { kind: 'agent', agent: 'clerk', input: '{{topic}}', next: 'ask' } },
    });
    assert.ok(withAgent.ok, JSON.stringify(withAgent));
    assert.equal(graphModelOf(withAgent.spec), 'mock:clerk');
  });

  it('gives the JSON schema of a built-in tool’s arguments, and none for other approvals', () => {
    assert.equal((argumentsSchemaOf('tool write_file') as { type?: string }).type, 'object');
    assert.equal(argumentsSchemaOf('tool some_mcp_tool'), undefined);
    assert.equal(argumentsSchemaOf('gate before publish'), undefined);
  });
});
