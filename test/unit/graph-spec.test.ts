/** Graph specs without a server: the shipped specs, the loader, refusals with field paths, and the pure rules. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { loadGraphSpec, shippedGraphs } from '../../src/agents/graphs';
import { UserError } from '../../src/contracts/errors';
import { agentPrompt, parseGraphSpec, type GraphSpec, type GraphSpecInput } from '../../src/contracts/graph-spec';
import {
  evaluateCondition,
  initialState,
  mergeField,
  renderArgs,
  renderTemplate,
} from '../../src/contracts/graph-rules';
import { graphInputFromText, stateInputProblems, textStateField } from '../../src/contracts/graph-input';
import { valueAt } from '../../src/contracts/graph-rules';
import { loadScenarioDir } from '../../src/servers/mock-llm/scenario';
import { defaultScenarioDir } from '../../src/servers/mock-llm/server';

const patterns = [
  'sales-follow-up',
  'research-chain',
  'support-router',
  'parallel-research',
  'evaluator-optimizer',
  'supervisor',
  'group-chat',
  'group-chat-selector',
  'crew-sequential',
  'crew-hierarchical',
];

/** Every model id a spec names: agents, llm nodes, routers and group-chat selectors. */
function modelsOf(spec: GraphSpec): string[] {
  const models = Object.values(spec.agents).map((a) => a.model);
  for (const node of Object.values(spec.nodes)) {
    if (node.kind === 'llm') models.push(node.model);
    if ('next' in node && typeof node.next === 'object' && 'router' in node.next) models.push(node.next.router.model);
    if (node.kind === 'groupChat' && node.speaker !== 'round-robin') models.push(node.speaker.selector.model);
  }
  return models;
}

/** The problems a spec is refused with; fails the test when it is accepted. */
function problemsOf(raw: unknown): string[] {
  const parsed = parseGraphSpec(raw);
  assert.equal(parsed.ok, false, 'the spec should be refused');
  return parsed.ok ? [] : parsed.problems;
}

/** A small valid spec to break one field at a time. */
function validSpec(): GraphSpecInput {
  return {
    name: 'triage',
    agents: {
      billing: { instructions: '[billing] Handle billing.', model: 'mock:x' },
      general: { instructions: '[general] Handle the rest.', model: 'mock:x' },
    },
    state: {
      ticket: { type: 'string' },
      summary: { type: 'string' },
      answer: { type: 'string' },
      score: { type: 'number' },
    },
    entry: 'intake',
    nodes: {
      intake: {
        kind: 'llm',
        model: 'mock:x',
        instructions: '[intake] Summarize.',
        input: '{{ticket}}',
        outputSchema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
        next: {
          router: {
            model: 'mock:x',
            instructions: '[triage] Pick a team.',
            input: '{{summary}}',
            options: ['billing', 'general'],
            fallback: 'general',
          },
        },
      },
      billing: { kind: 'agent', agent: 'billing', input: '{{ticket}}', output: 'answer', next: 'check' },
      general: { kind: 'agent', agent: 'general', input: '{{ticket}}', output: 'answer', next: 'check' },
      check: {
        kind: 'tool',
        tool: 'calculator',
        args: { expression: '1 + 1' },
        next: { rules: [{ when: { field: 'score', op: 'gte', value: 8 }, to: 'done' }], default: 'done' },
      },
      done: { kind: 'end', output: 'answer' },
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reaches into a different field to break it
type Breakable = Record<string, any>;

/** A deep copy of the valid spec, changed by `edit`. */
function broken(edit: (spec: Breakable) => void): unknown {
  const spec = structuredClone(validSpec()) as Breakable;
  edit(spec);
  return spec;
}

describe('shipped graph specs', () => {
  const scenarios = loadScenarioDir(defaultScenarioDir);

  it('ships every pattern, each with a one-line description and a file named after it', () => {
    const shipped = shippedGraphs();
    assert.deepEqual(shipped.map((g) => g.name).sort(), [...patterns].sort());
    for (const g of shipped) {
      assert.equal(path.basename(g.file), `${g.name}.yaml`, g.name);
      assert.ok(g.description.length > 20 && !g.description.includes('\n'), `${g.name}: one-line description`);
    }
  });

  for (const name of patterns) {
    it(`${name}: validates, and runs offline on its own mock scenario`, () => {
      const spec = loadGraphSpec(name);
      assert.equal(spec.name, name);
      const models = [...new Set(modelsOf(spec))];
      assert.deepEqual(models, [`mock:graph-${name}`], 'every model call plays the graph-<name> scenario');
      assert.ok(scenarios[`graph-${name}`]?.cases, `src/servers/mock-llm/scenarios/graph-${name}.yaml has cases`);
    });
  }

  it('sales-follow-up has a model at two of its five working steps', () => {
    const kinds = Object.values(loadGraphSpec('sales-follow-up').nodes).map((n) => n.kind);
    assert.deepEqual(kinds, ['tool', 'llm', 'llm', 'approval', 'tool', 'end']);
  });

  it('the evaluator-optimizer bounds its rounds with maxNodeVisits', () => {
    assert.equal(loadGraphSpec('evaluator-optimizer').limits.maxNodeVisits, 3);
  });

  it('crew prompts are the role, goal and backstory as written, and nothing else', () => {
    const analyst = loadGraphSpec('crew-sequential').agents.analyst;
    assert.ok(analyst);
    assert.equal(
      agentPrompt(analyst),
      `${analyst.role}\n\n${analyst.goal}\n\n${analyst.backstory}`,
      'no framework text is added to a crew prompt',
    );
    const writer = loadGraphSpec('research-chain').agents.writer;
    assert.ok(writer);
    assert.equal(agentPrompt(writer), writer.instructions);
  });

  it('supervisor and manager routers send workers back to themselves and finish at an end node', () => {
    for (const [name, router] of [
      ['supervisor', 'supervisor'],
      ['crew-hierarchical', 'manager'],
    ] as const) {
      const spec = loadGraphSpec(name);
      const node = spec.nodes[router];
      assert.ok(node && node.kind === 'route' && typeof node.next === 'object' && 'router' in node.next, name);
      for (const option of node.next.router.options) {
        const worker = spec.nodes[option];
        assert.ok(worker, `${name}: ${option}`);
        if (worker.kind === 'end') continue;
        assert.equal('next' in worker && worker.next, router, `${name}: ${option} returns to ${router}`);
      }
      assert.equal(spec.nodes.finish?.kind, 'end');
    }
  });
});

describe('loadGraphSpec', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-graph-spec-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads a spec file by path, YAML or JSON', () => {
    const yamlFile = path.join(dir, 'triage.yaml');
    fs.writeFileSync(yamlFile, YAML.stringify(validSpec()));
    const jsonFile = path.join(dir, 'triage.json');
    fs.writeFileSync(jsonFile, JSON.stringify(validSpec()));
    assert.equal(loadGraphSpec(yamlFile).name, 'triage');
    assert.deepEqual(loadGraphSpec(jsonFile), loadGraphSpec(yamlFile));
  });

  it('refuses an invalid file with a UserError naming the file and each bad field', () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      file,
      YAML.stringify(
        broken((s) => {
          s.nodes.billing.next = 'nowhere';
          s.nodes.general.agent = 'ghost';
        }),
      ),
    );
    assert.throws(
      () => loadGraphSpec(file),
      (err: Error) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, /bad\.yaml/);
        assert.match(err.message, /nodes\.billing\.next: unknown node "nowhere"/);
        assert.match(err.message, /nodes\.general\.agent: unknown agent "ghost"/);
        return true;
      },
    );
  });

  it('refuses a file that is not YAML, and a name that is neither shipped nor a file', () => {
    const file = path.join(dir, 'garbled.yaml');
    fs.writeFileSync(file, 'name: [unclosed\n');
    assert.throws(
      () => loadGraphSpec(file),
      (err: Error) => err instanceof UserError && /not valid YAML/.test(err.message),
    );
    assert.throws(
      () => loadGraphSpec('no-such-graph'),
      (err: Error) => err instanceof UserError && /not a shipped graph \(.*support-router/.test(err.message),
    );
  });
});

describe('invalid specs are refused with the path of the bad field', () => {
  it('accepts the valid base spec', () => {
    assert.equal(parseGraphSpec(validSpec()).ok, true);
  });

  it('an edge to an unknown node: static, rule target, rule default, router option, router fallback', () => {
    const problems = problemsOf(
      broken((s) => {
        s.nodes.billing.next = 'nowhere';
        s.nodes.check.next.rules[0].to = 'gone';
        s.nodes.check.next.default = 'lost';
        s.nodes.intake.next.router.options.push('sales');
        s.nodes.intake.next.router.fallback = 'desk';
      }),
    );
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), [
      'nodes.billing.next',
      'nodes.check.next.default',
      'nodes.check.next.rules.0.to',
      'nodes.intake.next.router.fallback',
      'nodes.intake.next.router.options.2',
    ]);
    assert.ok(
      problems.includes('nodes.billing.next: unknown node "nowhere"; nodes: intake, billing, general, check, done'),
    );
  });

  it('an unknown entry node', () => {
    assert.deepEqual(
      problemsOf(broken((s) => (s.entry = 'start'))).map((p) => p.split(':')[0]),
      ['entry'],
    );
  });

  it('an unknown agent, in an agent node and in a group chat', () => {
    const problems = problemsOf(
      broken((s) => {
        s.nodes.billing.agent = 'ghost';
        s.nodes.chat = {
          kind: 'groupChat',
          agents: ['general', 'phantom'],
          topic: '{{ticket}}',
          speaker: 'round-robin',
          maxTurns: 3,
          output: 'answer',
          next: 'done',
        };
      }),
    );
    assert.ok(
      problems.some((p) => p.startsWith('nodes.billing.agent: unknown agent "ghost"; agents: billing, general')),
    );
    assert.ok(problems.some((p) => p.startsWith('nodes.chat.agents.1: unknown agent "phantom"')));
  });

  it('a graph without an end node', () => {
    const problems = problemsOf(
      broken((s) => {
        s.nodes.done = { kind: 'route', next: 'intake' };
      }),
    );
    assert.deepEqual(problems, ['nodes: a graph needs an end node']);
  });

  it('a bad merge rule and an unknown state type', () => {
    const problems = problemsOf(
      broken((s) => {
        s.state.answer.merge = 'concat';
        s.state.score.type = 'float';
      }),
    );
    assert.equal(problems.length, 2);
    assert.match(problems.find((p) => p.startsWith('state.answer.merge:')) ?? '', /"replace"\|"append"\|"merge"/);
    assert.ok(problems.some((p) => p.startsWith('state.score.type:')));
  });

  it('output fields, llm output properties, rule fields and fan-out lists must be declared state', () => {
    const problems = problemsOf(
      broken((s) => {
        s.nodes.billing.output = 'reply';
        s.nodes.intake.outputSchema.properties.mood = { type: 'string' };
        s.nodes.check.next.rules[0].when.field = 'grade';
        s.nodes.fan = {
          kind: 'parallel',
          over: 'questions',
          agent: 'general',
          input: '{{item}}',
          output: 'answer',
          next: 'done',
        };
      }),
    );
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), [
      'nodes.billing.output',
      'nodes.check.next.rules.0.when.field',
      'nodes.fan.over',
      'nodes.intake.outputSchema.properties.mood',
    ]);
  });

  it('a router without its fallback is refused at the edge', () => {
    const problems = problemsOf(broken((s) => delete s.nodes.intake.next.router.fallback));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^nodes\.intake\.next/);
  });

  it('templates that name undeclared state fields are refused where they are written', () => {
    const problems = problemsOf(
      broken((s) => {
        s.nodes.billing.input = '{{tiket}}';
        s.nodes.intake.next.router.input = '{{summary}} {{mood}}';
        s.nodes.check.args = { expression: '{{score}}', nested: { deep: ['{{nowhere}}'] } };
      }),
    );
    assert.deepEqual(problems.sort(), [
      'nodes.billing.input: template refers to unknown state field "{{tiket}}"; declare it under state',
      'nodes.check.args.nested.deep.0: template refers to unknown state field "{{nowhere}}"; declare it under state',
      'nodes.intake.next.router.input: template refers to unknown state field "{{mood}}"; declare it under state',
    ]);
  });

  it('a router without its fallback names the missing field itself', () => {
    const problems = problemsOf(broken((s) => delete s.nodes.intake.next.router.fallback));
    assert.match(problems.join('; '), /nodes\.intake\.next\.router\.fallback/);
  });

  it('unknown node kinds, unknown keys, bad model ids and agents without a prompt', () => {
    const problems = problemsOf(
      broken((s) => {
        s.nodes.check.kind = 'script';
        s.nodes.billing.prompt = 'typo for input';
        s.nodes.intake.model = 'gpt-4o';
        s.agents.general = { model: 'mock:x' };
      }),
    );
    const paths = problems.map((p) => p.split(':')[0]);
    assert.ok(paths.includes('nodes.check.kind'), problems.join('\n'));
    assert.ok(paths.includes('nodes.billing'), problems.join('\n'));
    assert.ok(paths.includes('nodes.intake.model'), problems.join('\n'));
    assert.ok(problems.includes('agents.general: give instructions, or a role'), problems.join('\n'));
  });

  it('fills the documented defaults', () => {
    const parsed = parseGraphSpec(validSpec());
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.spec.limits, { maxNodeVisits: 10, maxSteps: 100 });
    assert.equal(parsed.spec.state.ticket?.merge, 'replace');
    assert.equal(parsed.spec.agents.billing?.maxSteps, 8);
    assert.deepEqual(parsed.spec.approvals, []);
  });
});

describe('graph rules', () => {
  const values = { topic: 'durable execution', score: 8, tags: ['a', 'b'], meta: { lang: 'en' }, empty: null };

  it('renders templates: strings as they are, other values as JSON, unknown names as nothing', () => {
    assert.equal(renderTemplate('Topic: {{topic}}', values), 'Topic: durable execution');
    assert.equal(renderTemplate('{{ score }}/{{tags}}/{{meta}}', values), '8/["a","b"]/{"lang":"en"}');
    assert.equal(renderTemplate('[{{missing}}][{{empty}}]', values), '[][]');
    assert.equal(renderTemplate('Item {{item}} of {{topic}}', values, { item: 3 }), 'Item 3 of durable execution');
    assert.equal(renderTemplate('{{topic}}', values, { topic: 'shadowed' }), 'shadowed');
    assert.equal(renderTemplate('{{not a name}} {{1x}}', values), '{{not a name}} {{1x}}');
  });

  it('fills tool arguments: a lone {{field}} keeps its type, anything else is text', () => {
    assert.deepEqual(
      renderArgs(
        { tags: '{{tags}}', n: '{{ score }}', q: 'about {{topic}}', limit: 3, fixed: { stage: 'won' } },
        values,
      ),
      { tags: ['a', 'b'], n: 8, q: 'about durable execution', limit: 3, fixed: { stage: 'won' } },
    );
  });

  it('fills templates inside nested tool arguments too', () => {
    assert.deepEqual(renderArgs({ filter: { about: '{{topic}}', tags: ['{{tags}}', 'fixed'] } }, values), {
      filter: { about: 'durable execution', tags: [['a', 'b'], 'fixed'] },
    });
  });

  it('evaluates every condition operator', () => {
    const cases: [Parameters<typeof evaluateCondition>[0], boolean][] = [
      [{ field: 'score', op: 'eq', value: 8 }, true],
      [{ field: 'score', op: 'ne', value: 8 }, false],
      [{ field: 'meta', op: 'eq', value: { lang: 'en' } }, true],
      [{ field: 'score', op: 'gt', value: 8 }, false],
      [{ field: 'score', op: 'gte', value: 8 }, true],
      [{ field: 'score', op: 'lt', value: 9 }, true],
      [{ field: 'score', op: 'lte', value: 7 }, false],
      [{ field: 'topic', op: 'gte', value: 1 }, false],
      [{ field: 'score', op: 'gte', value: '8' }, false],
      [{ field: 'topic', op: 'contains', value: 'DURABLE' }, true],
      [{ field: 'tags', op: 'contains', value: 'b' }, true],
      [{ field: 'tags', op: 'contains', value: 'c' }, false],
      [{ field: 'score', op: 'contains', value: 8 }, false],
      [{ field: 'topic', op: 'exists' }, true],
      [{ field: 'empty', op: 'exists' }, false],
      [{ field: 'missing', op: 'notExists' }, true],
      [{ field: 'score', op: 'in', value: [7, 8] }, true],
      [{ field: 'score', op: 'in', value: 8 }, false],
    ];
    for (const [condition, expected] of cases) {
      assert.equal(evaluateCondition(condition, values), expected, JSON.stringify(condition));
    }
  });

  it('merges by rule: replace, append, merge', () => {
    const replace = { type: 'any', merge: 'replace' } as const;
    const append = { type: 'array', merge: 'append' } as const;
    const merge = { type: 'object', merge: 'merge' } as const;
    assert.equal(mergeField(replace, 'old', 'new'), 'new');
    assert.equal(mergeField(undefined, 'old', 'new'), 'new', 'an undeclared field is replaced');
    assert.deepEqual(mergeField(append, undefined, 'a'), ['a']);
    assert.deepEqual(mergeField(append, ['a'], ['b', 'c']), ['a', 'b', 'c']);
    assert.deepEqual(mergeField(append, 'x', 'y'), ['x', 'y']);
    assert.deepEqual(mergeField(merge, { a: 1, b: 1 }, { b: 2, c: 3 }), { a: 1, b: 2, c: 3 });
    assert.deepEqual(mergeField(merge, undefined, { a: 1 }), { a: 1 });
    assert.equal(mergeField(merge, { a: 1 }, 'text'), 'text', 'a non-object update replaces');
  });

  it('starts from the defaults, overridden by the run input', () => {
    const fields = {
      topic: { type: 'string', merge: 'replace', default: 'agents' },
      notes: { type: 'array', merge: 'append', default: ['seed'] },
      score: { type: 'number', merge: 'replace' },
    } as const;
    assert.deepEqual(initialState(fields, {}), { topic: 'agents', notes: ['seed'] });
    assert.deepEqual(initialState(fields, { topic: 'crews', score: 1 }), { topic: 'crews', notes: ['seed'], score: 1 });
  });
});

describe('nested state: dotted paths in templates and conditions', () => {
  const nested = (edit: (spec: Breakable) => void = () => undefined): unknown =>
    broken((s) => {
      s.state.order = { type: 'object' };
      s.state.items = { type: 'array' };
      s.nodes.billing.input = 'Order {{order.id}} is {{ order.status }}; first item {{items.0.sku}}';
      edit(s);
    });

  it('accepts a path into a field declared object, array or any', () => {
    const parsed = parseGraphSpec(nested());
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
  });

  it('refuses a path into an undeclared field, and one into a string, where it is written', () => {
    const problems = problemsOf(
      nested((s) => {
        s.nodes.general.input = '{{customer.name}}';
        s.approvals = [{ before: 'check', what: 'ticket {{ticket.id}}' }];
      }),
    );
    assert.deepEqual(problems.sort(), [
      'approvals.0.what: "{{ticket.id}}" reads inside ticket, which is declared string; declare it object, array or any',
      'nodes.general.input: template refers to unknown state field "{{customer.name}}"; declare customer under state',
    ]);
  });

  it('lets a fan-out branch read inside its item', () => {
    const spec = nested((s) => {
      s.nodes.fan = {
        kind: 'parallel',
        over: 'items',
        agent: 'general',
        input: '{{item.sku}}',
        output: 'answer',
        next: 'done',
      };
      s.nodes.check.next = 'fan';
    });
    const parsed = parseGraphSpec(spec);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
  });

  it('renders nested values; a missing step renders as nothing, never a prototype property', () => {
    const values = { order: { id: 'A-7', status: 'shipped', lines: [{ qty: 2 }] }, note: 'x' };
    assert.equal(renderTemplate('{{order.id}}: {{order.status}}', values), 'A-7: shipped');
    assert.equal(renderTemplate('{{order.lines.0.qty}} {{order.lines}}', values), '2 [{"qty":2}]');
    assert.equal(
      renderTemplate('[{{order.missing.deeper}}][{{note.length}}][{{order.constructor}}]', values),
      '[][][]',
    );
    assert.equal(renderTemplate('{{item.title}}', values, { item: { title: 'T' } }), 'T');
    assert.deepEqual(renderArgs({ qty: '{{order.lines.0.qty}}', text: 'qty {{order.lines.0.qty}}' }, values), {
      qty: 2,
      text: 'qty 2',
    });
    assert.equal(valueAt(values, 'order.lines.0'), values.order.lines[0]);
  });

  it('routes on a nested field', () => {
    const values = { order: { status: 'late' } };
    assert.equal(evaluateCondition({ field: 'order.status', op: 'eq', value: 'late' }, values), true);
    assert.equal(evaluateCondition({ field: 'order.eta', op: 'notExists' }, values), true);
    const parsed = parseGraphSpec(
      nested((s) => (s.nodes.check.next.rules[0].when = { field: 'order.status', op: 'eq', value: 'late' })),
    );
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
    assert.deepEqual(
      problemsOf(nested((s) => (s.nodes.check.next.rules[0].when = { field: 'shipment.status', op: 'exists' }))),
      ['nodes.check.next.rules.0.when.field: unknown state field "shipment"; declare it under state'],
    );
  });
});

describe('graph run input', () => {
  const spec = parseGraphSpec(validSpec());
  assert.ok(spec.ok);
  const triage = spec.spec;

  it('puts plain text, or a JSON string, into the first state field declared string that no node writes', () => {
    assert.equal(textStateField(triage), 'ticket');
    const reordered = parseGraphSpec({ ...validSpec(), state: { answer: { type: 'string' }, ...validSpec().state } });
    assert.ok(reordered.ok);
    assert.equal(textStateField(reordered.spec), 'ticket', 'answer is written by the agent nodes');
    assert.deepEqual(graphInputFromText(triage, 'I was charged twice'), { ticket: 'I was charged twice' });
    assert.deepEqual(graphInputFromText(triage, '"{not json, a string}"'), { ticket: '{not json, a string}' });
    assert.deepEqual(graphInputFromText(triage, ' {"ticket": "t", "score": 3} '), { ticket: 't', score: 3 });
  });

  it('refuses broken JSON, a JSON array, empty text, and text for a graph without a string field', () => {
    assert.throws(() => graphInputFromText(triage, '{"ticket": '), /--input is not valid JSON/);
    assert.throws(() => graphInputFromText(triage, '[1, 2]'), /JSON object of state values/);
    assert.throws(() => graphInputFromText(triage, '   '), /--input is empty/);
    const numbers = parseGraphSpec({
      name: 'sum',
      state: { a: { type: 'number' }, total: { type: 'string' } },
      entry: 'add',
      nodes: {
        add: { kind: 'tool', tool: 'calculator', args: { expression: '{{a}}' }, output: 'total', next: 'done' },
        done: { kind: 'end', output: 'total' },
      },
    });
    assert.ok(numbers.ok);
    // total is a string, but the add node writes it: a result, not where a request goes.
    assert.throws(
      () => graphInputFromText(numbers.spec, 'forty'),
      /declares no string state field for text.*declared: a, total/,
    );
  });

  it('checks values against the declared types and names each bad field', () => {
    assert.deepEqual(stateInputProblems(triage.state, { ticket: 'ok', score: 9 }), []);
    assert.deepEqual(stateInputProblems(triage.state, { ticket: 1234, score: '9', extra: true }), [
      'ticket: expected string, got number 1234',
      'score: expected number, got string "9"',
      'extra: not declared under state (declared: ticket, summary, answer, score)',
    ]);
    const typed = parseGraphSpec({
      ...validSpec(),
      state: {
        ...validSpec().state,
        list: { type: 'array' },
        obj: { type: 'object' },
        flag: { type: 'boolean' },
        anything: {},
      },
    });
    assert.ok(typed.ok);
    assert.deepEqual(stateInputProblems(typed.spec.state, { list: [], obj: {}, flag: false, anything: null }), []);
    assert.deepEqual(stateInputProblems(typed.spec.state, { list: {}, obj: [], flag: 'yes', score: null }), [
      'list: expected array, got object {}',
      'obj: expected object, got array []',
      'flag: expected boolean, got string "yes"',
      'score: expected number, got null',
    ]);
  });
});
