/** Eval variant files: the schema's errors by field, the spec file resolved next to the variant, applyVariant. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { EvalTarget } from '../../src/contracts/evals/contract';
import { applyVariant, loadVariantFile, parseVariant } from '../../src/contracts/evals/variant';

const target: EvalTarget = {
  kind: 'agent',
  agent: { agent: 'helper', instructions: 'Be brief.', model: 'mock:echo', tools: ['calculator'], maxSteps: 4 },
};

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'eval-variant-'));
}

describe('eval variants', () => {
  it('applies each override given and leaves the target unchanged', () => {
    const out = applyVariant(target, { name: 'v', model: 'mock:other', temperature: 0.5, tools: [] });
    assert.deepEqual(out, {
      kind: 'agent',
      agent: {
        agent: 'helper',
        instructions: 'Be brief.',
        model: 'mock:other',
        tools: [],
        maxSteps: 4,
        temperature: 0.5,
      },
    });
    assert.equal((target as { agent: { model: string } }).agent.model, 'mock:echo');
  });

  it('an empty variant is the baseline', () => {
    assert.deepEqual(applyVariant(target, { name: 'same' }), target);
  });

  it('refuses unknown fields and bad values, naming each field', () => {
    assert.throws(
      () => parseVariant({ model: 'gpt4', maxSteps: 0, prompt: 'x' }, 'v.yaml'),
      (err: Error) =>
        /variant v\.yaml: /.test(err.message) &&
        /model: model must look like provider:model/.test(err.message) &&
        /maxSteps: /.test(err.message) &&
        /prompt/.test(err.message),
    );
  });

  it('refuses a graph target', () => {
    assert.throws(() => applyVariant({ kind: 'graph', spec: {} }, { name: 'v' }), /graph/);
  });

  it('loads YAML, resolves spec relative to the variant file, then applies the overrides on the spec agent', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'agents'));
    fs.writeFileSync(
      path.join(dir, 'agents', 'other.yaml'),
      'name: other\ninstructions: Answer in French.\nmodel: mock:french\nbudget: { maxCostUsd: 1 }\n',
    );
    fs.writeFileSync(path.join(dir, 'v.yaml'), 'spec: agents/other.yaml\nmaxSteps: 2\n');
    const variant = loadVariantFile(path.join(dir, 'v.yaml'));
    assert.equal(variant.name, 'v');
    assert.equal(variant.specFile, path.join(dir, 'agents', 'other.yaml'));
    const out = applyVariant(target, variant);
    assert.equal(out.kind, 'agent');
    const agent = (out as Extract<EvalTarget, { kind: 'agent' }>).agent;
    assert.equal(agent.agent, 'other');
    assert.equal(agent.instructions, 'Answer in French.');
    assert.equal(agent.model, 'mock:french');
    assert.equal(agent.maxSteps, 2);
    assert.equal('budget' in agent, false, 'an eval target carries no budget of its own');
  });

  it('loads JSON with a name, and says which file is missing or broken', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'v.json'), JSON.stringify({ name: 'cheaper', model: 'mock:cheap' }));
    assert.deepEqual(loadVariantFile(path.join(dir, 'v.json')), { name: 'cheaper', model: 'mock:cheap' });
    assert.throws(() => loadVariantFile(path.join(dir, 'nope.yaml')), /cannot read variant .*nope\.yaml: ENOENT/);
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'spec: missing.yaml\n');
    assert.throws(() => loadVariantFile(path.join(dir, 'bad.yaml')), /cannot read agent spec .*missing\.yaml/);
    fs.writeFileSync(path.join(dir, 'badspec.yaml'), 'spec: s.yaml\n');
    fs.writeFileSync(path.join(dir, 's.yaml'), 'name: x\nmodel: mock:x\n');
    assert.throws(() => loadVariantFile(path.join(dir, 'badspec.yaml')), /spec s\.yaml: instructions: /);
  });
});
