/** Context window management: the pure planning helpers the workflow runs before and after model calls. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compactedConversation,
  contextSettingsSchema,
  estimateMessageTokens,
  estimateRequestTokens,
  groupIntoUnits,
  planCompaction,
  transcriptOf,
  type ContextSettingsInput,
} from '../../src/contracts/context-window';
import type { Message } from '../../src/contracts/messages';

const filler = (n: number) => 'x'.repeat(n);

/** A task, then `turns` tool exchanges (assistant call + result), then a final user question. */
function conversation(turns: number, resultChars = 400): Message[] {
  const out: Message[] = [{ role: 'user', content: 'The task: add things up.' }];
  for (let i = 1; i <= turns; i++) {
    out.push({
      role: 'assistant',
      content: '',
      toolCalls: [{ id: `c${i}`, name: 'calculator', arguments: JSON.stringify({ expression: `${i} + ${i}` }) }],
    });
    out.push({ role: 'tool', toolCallId: `c${i}`, toolName: 'calculator', content: filler(resultChars) });
  }
  return out;
}

const settings = (s: ContextSettingsInput) => contextSettingsSchema.parse(s);

/** Every tool result sits right after the assistant call it answers (possibly after its siblings). */
function assertPairsIntact(messages: Message[]): void {
  const open = new Set<string>();
  for (const m of messages) {
    if (m.role === 'assistant') {
      open.clear();
      for (const c of m.toolCalls ?? []) open.add(c.id);
    } else if (m.role === 'tool') {
      assert.ok(open.has(m.toolCallId), `tool result ${m.toolCallId} is separated from its call`);
    } else open.clear();
  }
}

describe('token estimates', () => {
  it('count content, tool call arguments and a per-message overhead', () => {
    assert.equal(estimateMessageTokens({ role: 'user', content: filler(400) }), 104);
    const call: Message = {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'abcd', name: 'calc', arguments: filler(392) }],
    };
    assert.equal(estimateMessageTokens(call), 104);
    const msgs = conversation(2);
    assert.equal(
      estimateRequestTokens('', [], msgs),
      msgs.reduce((n, m) => n + estimateMessageTokens(m), 0),
    );
  });
});

describe('groupIntoUnits', () => {
  it('keeps a tool call with all its results and flags a call still waiting for results', () => {
    const msgs: Message[] = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'a', name: 't', arguments: '{}' },
          { id: 'b', name: 't', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'a', toolName: 't', content: '1' },
      { role: 'tool', toolCallId: 'b', toolName: 't', content: '2' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 't', arguments: '{}' }] },
    ];
    const units = groupIntoUnits(msgs);
    assert.deepEqual(
      units.map((u) => [u.messages.length, u.unanswered]),
      [
        [1, false],
        [3, false],
        [1, true],
      ],
    );
  });
});

describe('planCompaction', () => {
  it('does nothing while the estimate is under maxTokens, or without maxTokens unless the provider refused', () => {
    const msgs = conversation(3);
    const request = { system: 'sys', tools: [], messages: msgs };
    assert.equal(
      planCompaction(settings({ strategy: 'truncate', maxTokens: 100_000 }), request, 'estimate'),
      undefined,
    );
    assert.equal(planCompaction(settings({ strategy: 'truncate' }), request, 'estimate'), undefined);
    assert.ok(planCompaction(settings({ strategy: 'truncate' }), request, 'provider'));
  });

  it('truncate drops the oldest exchanges until the request fits, keeping the task and whole tool pairs', () => {
    const msgs = conversation(10);
    const s = settings({ strategy: 'truncate', maxTokens: 1000 });
    const plan = planCompaction(s, { system: 'You add.', tools: [], messages: msgs }, 'estimate');
    assert.ok(plan);
    const next = compactedConversation(plan);
    assert.deepEqual(next[0], msgs[0], 'the task stays first');
    assert.match((next[1] as { content: string }).content, /earlier messages were left out/);
    assertPairsIntact(next);
    assert.ok(estimateRequestTokens('You add.', [], next) <= 1000);
    assert.deepEqual(next.slice(2), msgs.slice(msgs.length - (next.length - 2)), 'the newest messages are kept');
    assert.equal(plan.dropped.length + plan.tail.length + plan.head.length, msgs.length);
    assert.equal(plan.droppedFrom, 1);
  });

  it('window keeps the last keepLast messages, rounded down to whole tool exchanges', () => {
    const msgs = conversation(6);
    const plan = planCompaction(
      settings({ strategy: 'window', maxTokens: 200, keepLast: 5 }),
      { system: '', tools: [], messages: msgs },
      'estimate',
    );
    assert.ok(plan);
    // Five messages would start with a tool result; the window takes the last two exchanges (four messages).
    assert.equal(plan.tail.length, 4);
    assert.equal(plan.tail[0]?.role, 'assistant');
    assertPairsIntact(compactedConversation(plan));
  });

  it('summarize names the range to summarize and puts the summary after the task', () => {
    const msgs = conversation(5);
    const plan = planCompaction(
      settings({ strategy: 'summarize', maxTokens: 300, keepLast: 2 }),
      { system: '', tools: [], messages: msgs },
      'estimate',
    );
    assert.ok(plan);
    assert.deepEqual([plan.droppedFrom, plan.droppedTo], [1, 9]);
    const next = compactedConversation(plan, 'They added 1..4.');
    assert.equal(next.length, 4);
    assert.match((next[1] as { content: string }).content, /Summary of 8 earlier messages[\s\S]*They added 1\.\.4\./);
    assertPairsIntact(next);
  });

  it('a provider refusal shrinks further than the configured window', () => {
    const msgs = conversation(6);
    const s = settings({ strategy: 'window', keepLast: 8 });
    const plan = planCompaction(s, { system: '', tools: [], messages: msgs }, 'provider');
    assert.ok(plan);
    assert.ok(plan.tail.length <= 6, `kept ${plan.tail.length}`);
  });

  it('never drops a tool call still waiting for its result, nor splits it', () => {
    const msgs = conversation(3);
    msgs.push({
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'open', name: 'calculator', arguments: filler(4000) }],
    });
    const plan = planCompaction(
      settings({ strategy: 'truncate', maxTokens: 200 }),
      { system: '', tools: [], messages: msgs },
      'estimate',
    );
    assert.ok(plan);
    assert.deepEqual(plan.tail, [msgs[msgs.length - 1]]);
  });

  it('does not run again when all it could drop is its own earlier note or summary', () => {
    const s = settings({ strategy: 'window', maxTokens: 100, keepLast: 2 });
    const msgs = conversation(4);
    const first = planCompaction(s, { system: '', tools: [], messages: msgs }, 'estimate');
    assert.ok(first);
    const once = compactedConversation(first);
    assert.equal(once.length, 4);
    assert.equal(planCompaction(s, { system: '', tools: [], messages: once }, 'estimate'), undefined);
    const summarized = compactedConversation(first, 'earlier sums');
    assert.equal(planCompaction(s, { system: '', tools: [], messages: summarized }, 'estimate'), undefined);
    // With new messages after it, the old summary goes along with them (into the next summary).
    const grown = [...summarized, ...conversation(2).slice(1)];
    const next = planCompaction(s, { system: '', tools: [], messages: grown }, 'estimate');
    assert.ok(next);
    assert.match((next.dropped[0] as { content: string }).content, /^\[Summary of 6 earlier messages/);
  });

  it('returns nothing when only the task and the newest exchange are left', () => {
    const msgs = conversation(1, 10_000);
    assert.equal(
      planCompaction(
        settings({ strategy: 'truncate', maxTokens: 100 }),
        { system: '', tools: [], messages: msgs },
        'provider',
      ),
      undefined,
    );
  });
});

describe('transcriptOf', () => {
  it('renders calls and results for the summarizing model', () => {
    const text = transcriptOf(conversation(1, 3));
    assert.equal(
      text,
      'user: The task: add things up.\nassistant: [called calculator with {"expression":"1 + 1"}]\ntool calculator result: xxx',
    );
  });
});

describe('contextSettingsSchema', () => {
  it('names the bad field', () => {
    const r = contextSettingsSchema.safeParse({ strategy: 'forget' });
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), /strategy/);
  });
});
