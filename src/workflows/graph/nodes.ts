/**
 * What each node kind does. A node returns the state updates it produced and, for approvals, which way the
 * person decided; where to go next is decided separately by the node's edge (see routing.ts).
 */
import { ApplicationFailure, ChildWorkflowFailure, log, patched, workflowInfo } from '@temporalio/workflow';
import type { AgentInput, AgentResult } from '../../contracts/agent-contract';
import type { BudgetBreach, BudgetInput } from '../../contracts/budget';
import { ErrorType } from '../../contracts/errors';
import type { ModelCallResult } from '../blocks';
import { BudgetBreachError } from '../kernel/budget';
import { agentPrompt, type GraphAgent, type GraphNode, type GraphSpec } from '../../contracts/graph-spec';
import { renderArgs, renderTemplate, type GraphValues } from '../../contracts/graph-rules';
import type { ApprovalGates } from '../kernel/approvals';
import { boundedFanOut, callModelOnce, runAgent, runTool } from '../blocks';
import type { GraphRun } from './run-state';
import { truncate } from '../../contracts/text';
import { LEDGER_FAILED_ATTEMPTS_PATCH, PARALLEL_ITEM_CAP_PATCH } from '../kernel/patches';

export type NodeOutcome = { updates: GraphValues; approved?: boolean; children?: string[]; summary: string };

/** How long a node's summary in the run state may be. */
const SUMMARY_CHARS = 160;
const short = (text: string): string => truncate(text, SUMMARY_CHARS);

function agentOf(spec: GraphSpec, name: string): GraphAgent {
  return spec.agents[name] as GraphAgent;
}

function agentInput(name: string, agent: GraphAgent, input: string, budget?: BudgetInput): AgentInput {
  return {
    agent: name,
    instructions: agentPrompt(agent),
    input,
    model: agent.model,
    tools: agent.tools,
    mcpServers: agent.mcpServers,
    approvalRequiredTools: agent.approvalRequiredTools,
    maxSteps: agent.maxSteps,
    ...(agent.outputSchema ? { outputSchema: agent.outputSchema } : {}),
    ...(agent.fallbackModels?.length ? { fallbackModels: agent.fallbackModels } : {}),
    ...(agent.httpFetchAllowHosts ? { httpFetchAllowHosts: agent.httpFetchAllowHosts } : {}),
    ...(budget ? { budget } : {}),
  };
}

/** The partial result a failed child carries in its failure's details (budget, invalid output, step limit). */
function childFailureDetails(err: unknown): { type?: string; partial?: AgentResult } {
  if (!(err instanceof ChildWorkflowFailure) || !(err.cause instanceof ApplicationFailure)) return {};
  const detail = err.cause.details?.[0] as Partial<AgentResult> | undefined;
  const partial = detail && detail.usage && detail.cost ? (detail as AgentResult) : undefined;
  return { type: err.cause.type ?? undefined, ...(partial ? { partial } : {}) };
}

/**
 * A child agent run; its usage and cost flow back into the graph's ledger, also when it fails. The child
 * gets what the graph's budget has left, or the share it is given (parallel branches). A child
 * stopped by its budget gives back its partial answer when `partialOnBudget` (a fan-out branch); otherwise
 * the graph itself is over budget.
 */
async function runChildAgent(
  run: GraphRun,
  gates: ApprovalGates,
  name: string,
  input: string,
  childId: string,
  options: { budget?: BudgetInput; partialOnBudget?: boolean } = {},
): Promise<{ result: AgentResult; id: string; overBudget?: BudgetBreach }> {
  const id = `${workflowInfo().workflowId}/${childId}`;
  const budget = options.budget ?? run.budget.forChild(run.spend());
  let result: AgentResult;
  try {
    result = await runAgent(agentInput(name, agentOf(run.spec, name), input, budget), {
      workflowId: id,
      summary: `agent ${name} · graph ${run.spec.name}`,
      gates,
    });
  } catch (err) {
    const { type, partial } = childFailureDetails(err);
    if (partial && patched(LEDGER_FAILED_ATTEMPTS_PATCH)) run.recordChild(partial);
    if (type !== ErrorType.BudgetExceeded || !partial) throw err;
    const breach = partial.budget?.exceeded ?? {
      limit: 'maxSteps',
      max: 0,
      spent: 0,
      message: 'child agent over budget',
    };
    log.warn('child agent stopped by its budget', { child: id, limit: breach.limit });
    if (!options.partialOnBudget) throw new BudgetBreachError(breach);
    return { result: partial, id, overBudget: breach };
  }
  run.recordChild(result);
  return { result, id };
}

/** Records a graph-made model call, and on an invalid structured answer what it cost before failing. */
async function graphModelCall(
  run: GraphRun,
  agent: string,
  call: () => Promise<ModelCallResult>,
): Promise<ModelCallResult> {
  run.enforceBudget();
  let answer: ModelCallResult;
  try {
    answer = await call();
  } catch (err) {
    const spent = err instanceof ApplicationFailure ? (err.details?.[0] as ModelCallResult | undefined) : undefined;
    if (spent?.usage && spent.model && patched(LEDGER_FAILED_ATTEMPTS_PATCH)) {
      run.recordModelUsage(spent.model, agent, spent.usage, {
        ...(spent.calls ? { calls: spent.calls } : {}),
        ...(spent.price ? { price: spent.price } : {}),
      });
    }
    throw err;
  }
  run.recordModelUsage(answer.model, agent, answer.usage, {
    ...(answer.calls ? { calls: answer.calls } : {}),
    ...(answer.price ? { price: answer.price } : {}),
  });
  return answer;
}

const answerOf = (result: AgentResult): unknown => (result.output !== undefined ? result.output : result.text);

export async function executeNode(
  run: GraphRun,
  gates: ApprovalGates,
  id: string,
  node: GraphNode,
): Promise<NodeOutcome> {
  const values = run.values;
  switch (node.kind) {
    case 'agent': {
      run.enforceBudget();
      const { result, id: childId } = await runChildAgent(
        run,
        gates,
        node.agent,
        renderTemplate(node.input, values),
        `${node.agent}-${run.step}`,
      );
      return {
        updates: node.output ? { [node.output]: answerOf(result) } : {},
        children: [childId],
        summary: short(result.text),
      };
    }
    case 'llm': {
      const answer = await graphModelCall(run, id, () =>
        callModelOnce({
          model: node.model,
          system: node.instructions,
          input: renderTemplate(node.input, values),
          outputSchema: node.outputSchema,
          summary: `llm ${node.model} · ${id} · step ${run.step}`,
          ...run.priced(),
        }),
      );
      // Only declared state fields are merged: a model that adds keys of its own cannot grow the state.
      const output = (answer.output ?? {}) as GraphValues;
      const updates = Object.fromEntries(Object.entries(output).filter(([key]) => key in run.spec.state));
      return { updates, summary: short(JSON.stringify(updates)) };
    }
    case 'tool': {
      run.enforceToolBudget();
      run.toolCalls += 1;
      const text = await runTool(node.tool, renderArgs(node.args, values), {
        callId: `${id}-step-${run.step}`,
        summary: `tool ${node.tool} · ${id} · step ${run.step}`,
      });
      return { updates: node.output ? { [node.output]: text } : {}, summary: short(text) };
    }
    case 'approval': {
      const what = renderTemplate(node.what, values);
      const decision = await gates.request({
        approvalId: `${id}-step-${run.step}`,
        what,
        why: `graph ${run.spec.name} waits at ${id}`,
        proposed: JSON.stringify(values).slice(0, 4000),
        requestedAt: new Date().toISOString(),
        ...(node.timeout ? { timeout: node.timeout } : {}),
        ...(node.approvers ? { approvers: node.approvers } : {}),
      });
      const approved = decision.decision === 'approved';
      const by = decision.by ? ` by ${decision.by}` : '';
      const note = decision.decision === 'approved' ? decision.comment : decision.reason;
      return { updates: {}, approved, summary: `${approved ? 'approved' : 'rejected'}${by}${note ? `: ${note}` : ''}` };
    }
    case 'parallel': {
      const items = values[node.over];
      const list = Array.isArray(items) ? items : [];
      if (list.length > node.maxItems && patched(PARALLEL_ITEM_CAP_PATCH)) {
        throw ApplicationFailure.create({
          type: ErrorType.TooManyItems,
          message: `parallel node ${id}: ${node.over} holds ${list.length} items, more than maxItems=${node.maxItems}; no branch was started`,
          nonRetryable: true,
        });
      }
      const children: string[] = [];
      let overBudget = 0;
      if (list.length) run.enforceBudget();
      // Each branch gets an equal share of what is left when the fan-out starts, so N branches together
      // cannot spend more than the graph's budget (plus at most the one call each is in when its share ends).
      const share = run.budget.forChild(run.spend(), list.length);
      const answers = await boundedFanOut(list, node.concurrency, async (item, index) => {
        const input = renderTemplate(node.input, values, { item, index });
        const {
          result,
          id: childId,
          overBudget: breach,
        } = await runChildAgent(run, gates, node.agent, input, `${node.agent}-${run.step}-${index + 1}`, {
          ...(share ? { budget: share } : {}),
          partialOnBudget: true,
        });
        if (breach) overBudget += 1;
        children[index] = childId; // in branch order, like the answers, not in completion order
        return answerOf(result);
      });
      return {
        updates: { [node.output]: answers },
        children,
        summary: `${answers.length} branches, at most ${node.concurrency} at once${overBudget ? `; ${overBudget} stopped by their budget share` : ''}`,
      };
    }
    case 'groupChat':
      return groupChat(run, gates, id, node);
    case 'route':
      return { updates: {}, summary: 'route' };
    case 'end':
      return { updates: {}, summary: 'end' };
  }
}

type GroupChatNode = Extract<GraphNode, { kind: 'groupChat' }>;

/**
 * Agents take turns on one transcript. Each turn is one model call for the speaker, who sees the topic
 * and the transcript and nothing else; the next speaker is the next in line or the selector model's pick.
 */
async function groupChat(run: GraphRun, gates: ApprovalGates, id: string, node: GroupChatNode): Promise<NodeOutcome> {
  const topic = renderTemplate(node.topic, run.values);
  const transcript: { speaker: string; text: string }[] = [];
  const render = (): string => [topic, ...transcript.map((t) => `${t.speaker}: ${t.text}`)].join('\n\n');
  let reason = `turn limit ${node.maxTurns}`;
  for (let turn = 0; turn < node.maxTurns; turn++) {
    let speaker = node.agents[turn % node.agents.length] as string;
    if (node.speaker !== 'round-robin') {
      const selector = node.speaker.selector;
      const pick = await graphModelCall(run, `${id}.selector`, () =>
        callModelOnce({
          model: selector.model,
          system: selector.instructions,
          input: `${render()}\n\nCandidates: ${node.agents.join(', ')}`,
          summary: `selector · ${id} · turn ${turn + 1}`,
          ...run.priced(),
        }),
      );
      const chosen = pick.text.trim().replace(/^["'`*\s]+|["'`*.\s]+$/g, '');
      if (node.agents.includes(chosen)) speaker = chosen;
      else log.warn('selector named no candidate; next in line speaks', { answer: pick.text.slice(0, 100), speaker });
    }
    const agent = agentOf(run.spec, speaker);
    const reply = await graphModelCall(run, speaker, () =>
      callModelOnce({
        model: agent.model,
        system: agentPrompt(agent),
        input: render(),
        summary: `chat ${speaker} · ${id} · turn ${turn + 1}`,
        ...run.priced(),
      }),
    );
    transcript.push({ speaker, text: reply.text });
    if (node.terminateOn && reply.text.includes(node.terminateOn)) {
      reason = `${speaker} said "${node.terminateOn}"`;
      break;
    }
  }
  let approved: boolean | undefined;
  if (node.approval) {
    const decision = await gates.request({
      approvalId: `${id}-step-${run.step}`,
      what: `transcript of ${id} (${transcript.length} messages)`,
      why: `graph ${run.spec.name} asks for approval after the chat`,
      proposed: JSON.stringify(transcript).slice(0, 4000),
      requestedAt: new Date().toISOString(),
    });
    approved = decision.decision === 'approved';
  }
  return {
    updates: { [node.output]: transcript },
    ...(approved !== undefined ? { approved } : {}),
    summary: `${transcript.length} messages; ended: ${reason}`,
  };
}
