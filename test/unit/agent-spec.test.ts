/** Agent specs without a server: the schema and its field-path problems, the shipped spec files, the catalog. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { AgentCatalog, agentInputFor, loadAgentSpecFile, shippedAgentSpec, shippedAgentSpecs } from '../../src/agents';
import { resolveSpecReference } from '../../src/agents/references';
import { agentInputSchema } from '../../src/contracts/agent-contract';
import {
  agentInputFromSpec,
  inputFromResolvedSpec,
  mcpServersForInput,
  namesAgentOnly,
  parseAgentSpec,
  type AgentSpecInput,
} from '../../src/contracts/agent-spec';
import { UserError } from '../../src/contracts/errors';
import { loadScenarioDir } from '../../src/servers/mock-llm/scenario';
import { defaultScenarioDir } from '../../src/servers/mock-llm/server';

const historiesDir = path.resolve(__dirname, '../histories/shipped');

/** The input a saved history's run started with. */
function startInputOf(file: string): unknown {
  const history = JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8')) as {
    events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } } }[];
  };
  const data = history.events[0]?.workflowExecutionStartedEventAttributes?.input.payloads[0]?.data ?? '';
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
}

function problemsOf(raw: unknown): string[] {
  const parsed = parseAgentSpec(raw);
  assert.equal(parsed.ok, false, 'the spec should be refused');
  return parsed.ok ? [] : parsed.problems;
}

function validSpec(): AgentSpecInput {
  return {
    name: 'support-agent',
    description: 'Answers support tickets.',
    instructions: 'You answer support tickets.',
    model: 'mock:support',
    tools: ['search_knowledge_base', 'write_file'],
    approvalRequiredTools: ['write_file'],
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-agent-specs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('shipped agent specs', () => {
  it('are spec files beside the catalog: research-assistant and file-clerk, each with a mock scenario', () => {
    const scenarios = loadScenarioDir(defaultScenarioDir);
    assert.deepEqual(
      shippedAgentSpecs().map((s) => s.name),
      ['file-clerk', 'research-assistant'],
    );
    for (const spec of shippedAgentSpecs()) {
      assert.ok(fs.existsSync(path.resolve(__dirname, `../../src/agents/${spec.name}.yaml`)));
      assert.ok(spec.mockScenario && scenarios[spec.mockScenario], spec.name);
      assert.ok(spec.description && spec.exampleInput);
    }
  });

  it('make exactly the workflow input their saved histories started with', () => {
    for (const name of ['research-assistant', 'file-clerk']) {
      const spec = shippedAgentSpec(name);
      const input = agentInputFor(spec, spec.exampleInput as string, `mock:${spec.mockScenario}`);
      assert.deepEqual(JSON.parse(JSON.stringify(input)), startInputOf(`agent-${name}.json`), name);
    }
  });
});

describe('the agent spec schema', () => {
  it('accepts a full spec and fills the documented defaults', () => {
    const parsed = parseAgentSpec({
      ...validSpec(),
      mcpServers: ['kb', { name: 'crm', allowTools: ['lookup'] }],
      approvalRequiredTools: ['write_file', 'crm__update'],
      approvalTimeout: { after: '2h', onTimeout: 'reject' },
      approvers: ['alice'],
      budget: { maxCostUsd: 0.5 },
      outputSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
      context: { strategy: 'window', keepLast: 4 },
      continueAsNewAfterSteps: 50,
      maxSteps: 100,
      exampleInput: 'My invoice is wrong.',
      mockScenario: 'support',
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
    assert.deepEqual(parsed.spec.mcpServers, [{ name: 'kb' }, { name: 'crm', allowTools: ['lookup'] }]);
    const minimal = parseAgentSpec({ name: 'a', instructions: 'x', model: 'mock:x' });
    assert.ok(minimal.ok);
    assert.equal(minimal.spec.maxSteps, 10);
    assert.deepEqual(minimal.spec.tools, []);
    assert.equal(minimal.spec.description, '');
  });

  it('names every bad field by its path, as graph problems do', () => {
    const problems = problemsOf({
      ...validSpec(),
      name: '1 bad name',
      model: 'gpt-4o',
      maxSteps: 0,
      approvalTimeout: { after: 'soon', onTimeout: 'reject' },
      budget: { maxCostUsd: -1 },
      context: { strategy: 'forget' },
      mcpServers: [{ name: 'kb', command: 'rm -rf /' }],
      colour: 'blue',
    });
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), [
      '(spec)',
      'approvalTimeout.after',
      'budget.maxCostUsd',
      'context.strategy',
      'maxSteps',
      'mcpServers.0',
      'model',
      'name',
    ]);
    assert.ok(
      problems.some((p) => /^\(spec\): Unrecognized key: "colour"/.test(p)),
      problems.join('\n'),
    );
  });

  it('an MCP server is a name, never a command or URL', () => {
    const problems = problemsOf({ ...validSpec(), mcpServers: [{ name: 'kb', url: 'http://evil.example' }] });
    assert.match(problems.join('; '), /mcpServers\.0/);
    assert.match(problemsOf({ ...validSpec(), mcpServers: ['no spaces allowed'] }).join(), /mcpServers\.0/);
    assert.deepEqual(problemsOf({ ...validSpec(), mcpServers: ['kb', { name: 'kb' }] }), [
      'mcpServers.1: MCP server "kb" is named twice',
    ]);
  });

  it('refuses approval rules for tools the agent lacks, and an output schema zod cannot read', () => {
    assert.deepEqual(
      problemsOf({ ...validSpec(), approvalRequiredTools: ['delete_file', 'kb__search'] }).map((p) => p.split(':')[0]),
      ['approvalRequiredTools.0', 'approvalRequiredTools.1'],
    );
    assert.deepEqual(
      problemsOf({ ...validSpec(), outputSchema: { type: 'no-such-type' } }).map((p) => p.split(':')[0]),
      ['outputSchema'],
    );
  });
});

describe('from spec to workflow input', () => {
  it('passes every spec field the input knows, and leaves out what the spec leaves out', () => {
    const parsed = parseAgentSpec({
      ...validSpec(),
      approvalTimeout: { after: '1h', onTimeout: 'approve' },
      approvers: ['ops'],
      budget: { maxTokens: 1000 },
      context: { strategy: 'truncate', maxTokens: 5000 },
      continueAsNewAfterSteps: 20,
      fallbackModels: ['mock:backup'],
      temperature: 0.2,
      maxOutputTokens: 300,
      maxSteps: 12,
    });
    assert.ok(parsed.ok);
    const input = { ...agentInputFromSpec(parsed.spec, { model: 'mock:other' }), input: 'hi' };
    assert.equal(agentInputSchema.safeParse(input).success, true);
    assert.deepEqual(input, {
      agent: 'support-agent',
      instructions: 'You answer support tickets.',
      model: 'mock:other',
      tools: ['search_knowledge_base', 'write_file'],
      maxSteps: 12,
      approvalRequiredTools: ['write_file'],
      approvalTimeout: { after: '1h', onTimeout: 'approve' },
      approvers: ['ops'],
      budget: { maxTokens: 1000, softThreshold: 0.8 },
      context: { strategy: 'truncate', maxTokens: 5000, keepLast: 6 },
      continueAsNewAfterSteps: 20,
      fallbackModels: ['mock:backup'],
      temperature: 0.2,
      maxOutputTokens: 300,
      input: 'hi',
    });
  });

  it('refuses MCP server names until the workflow input can take names (one function maps them)', () => {
    assert.deepEqual(mcpServersForInput([]), []);
    assert.throws(() => mcpServersForInput([{ name: 'kb' }]), UserError);
    const parsed = parseAgentSpec({ ...validSpec(), mcpServers: ['kb'] });
    assert.ok(parsed.ok);
    assert.throws(() => agentInputFromSpec(parsed.spec), /mcpServers: kb/);
  });

  it('a run naming only an agent takes the spec, with its own fields winning and the example as request', () => {
    assert.equal(namesAgentOnly({ agent: 'support-agent' }), true);
    assert.equal(namesAgentOnly({ agent: 'a', instructions: 'x' }), false);
    assert.equal(namesAgentOnly({ instructions: 'x' }), false);
    assert.equal(namesAgentOnly(null), false);
    const resolved = {
      input: { agent: 'support-agent', instructions: 'x', model: 'mock:a', maxSteps: 5 },
      exampleInput: 'ex',
    };
    assert.deepEqual(inputFromResolvedSpec(resolved, { agent: 'support-agent', maxSteps: 2 }), {
      agent: 'support-agent',
      instructions: 'x',
      model: 'mock:a',
      maxSteps: 2,
      input: 'ex',
    });
    assert.equal(inputFromResolvedSpec(resolved, { agent: 'support-agent', input: 'mine' }).input, 'mine');
    assert.equal('input' in inputFromResolvedSpec({ input: resolved.input }, { agent: 'support-agent' }), false);
  });
});

describe('the agent catalog', () => {
  const userDir = path.join(dir, 'user');
  fs.mkdirSync(userDir);
  fs.writeFileSync(
    path.join(userDir, 'support.yaml'),
    'name: support-agent\ninstructions: Help.\nmodel: mock:support\ntools: [calculator]\n',
  );
  fs.writeFileSync(
    path.join(userDir, 'clerk.json'),
    JSON.stringify({ name: 'file-clerk', description: 'my own clerk', instructions: 'Mine.', model: 'mock:mine' }),
  );
  fs.writeFileSync(path.join(userDir, 'broken.yml'), 'name: broken-agent\ninstructions: x\nmodel: gpt\n');
  fs.writeFileSync(path.join(userDir, 'not-yaml.yaml'), 'name: [unclosed\n');
  fs.writeFileSync(path.join(userDir, 'a-graph.yaml'), 'name: g\nentry: a\nnodes:\n  a: { kind: end }\n');
  fs.writeFileSync(path.join(userDir, 'notes.txt'), 'not a spec');

  it('lists shipped and user agents; a user agent takes the place of a shipped one of its name', () => {
    const { agents, problems } = new AgentCatalog({ specsDir: userDir }).list();
    assert.deepEqual(
      agents.map((a) => [a.spec.name, a.source]),
      [
        ['research-assistant', 'shipped'],
        ['file-clerk', 'user'],
        ['support-agent', 'user'],
      ],
    );
    assert.deepEqual(
      problems.map((p) => path.basename(p.file)),
      ['broken.yml', 'not-yaml.yaml'],
    );
    assert.match(problems[0]?.problems.join() ?? '', /^model: /);
  });

  it('finds by name; a broken file giving the name is reported, not skipped; an unknown name lists the known', () => {
    const catalog = new AgentCatalog({ specsDir: userDir });
    assert.equal(catalog.find('support-agent')?.spec.model, 'mock:support');
    assert.equal(catalog.find('nobody'), undefined);
    assert.throws(() => catalog.find('broken-agent'), /invalid agent spec .*broken\.yml: model: /);
    assert.match(catalog.unknownAgentError('nobody').message, /unknown agent "nobody".*support-agent/);
    assert.equal(new AgentCatalog().find('support-agent'), undefined);
  });

  it('refuses two files giving one name, and a folder that does not exist', () => {
    const twice = path.join(dir, 'twice');
    fs.mkdirSync(twice);
    for (const f of ['a.yaml', 'b.yaml'])
      fs.writeFileSync(path.join(twice, f), 'name: dup\ninstructions: x\nmodel: mock:x\n');
    const catalog = new AgentCatalog({ specsDir: twice });
    assert.throws(() => catalog.find('dup'), /name "dup" is also given by/);
    assert.throws(() => new AgentCatalog({ specsDir: path.join(dir, 'missing') }), /does not exist/);
  });

  it('resolves a reference: agent file, graph file, catalog agent, shipped graph, or a clear refusal', () => {
    const catalog = new AgentCatalog({ specsDir: userDir });
    const agentFile = write('mine.yaml', 'name: mine\ninstructions: x\nmodel: mock:x\n');
    assert.deepEqual(resolveSpecReference(catalog, agentFile).kind, 'agent');
    assert.equal(resolveSpecReference(catalog, path.join(userDir, 'a-graph.yaml')).kind, 'graph');
    const byName = resolveSpecReference(catalog, 'support-agent');
    assert.ok(byName.kind === 'agent' && byName.source === 'user');
    assert.equal(resolveSpecReference(catalog, 'supervisor').kind, 'graph');
    assert.throws(() => resolveSpecReference(catalog, './nope.yaml'), /no spec file \.\/nope\.yaml/);
    assert.throws(() => resolveSpecReference(catalog, 'nope'), /unknown agent "nope".*agentctl graphs/);
    assert.throws(
      () => loadAgentSpecFile(write('bad.json', '{"name": "x", "instructions": "", "model": "mock:x"}')),
      /invalid agent spec .*bad\.json: instructions: /,
    );
  });
});
