/**
 * `graphWorkflow`: interprets a graph spec. The spec travels in the input (and so in history); routing is
 * this workflow's code and recorded results, so a replay takes exactly the same path; agent nodes run as
 * child `agentWorkflow`s named after their agent, and every model and tool call is an activity.
 */
import { ApplicationFailure, isCancellation, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { approveSignal, childApprovalsSignal, decideUpdate, rejectSignal } from '../../contracts/agent-contract';
import { ErrorType } from '../../contracts/errors';
import { graphStateQuery, type GraphInput, type GraphResult } from '../../contracts/graph-contract';
import { parseGraphSpec, templatePathProblems, type GraphNode, type GraphSpec } from '../../contracts/graph-spec';
import { stateInputProblems } from '../../contracts/graph-input';
import { GRAPH_INPUT_TYPES_PATCH, GRAPH_TEMPLATE_PATHS_PATCH } from '../kernel/patches';
import { initialState, renderTemplate } from '../../contracts/graph-rules';
import { ApprovalGates } from '../kernel/approvals';
import { endingEvents, RunWebhooks } from '../kernel/webhooks';
import { boundedText } from '../../contracts/bounded-text';
import { mcpServersForValidation } from '../kernel/mcp-servers';
import { executeNode } from './nodes';
import { nextNode } from './routing';
import { GraphRun } from './run-state';
import { GRAPH_HISTORY_LIMIT_PATCH } from '../kernel/patches';
import { BudgetBreachError, budgetExceededFailure } from '../kernel/budget';
import { budgetSchema } from '../../contracts/budget';
import { describeIssues } from '../../contracts/zod-issues';

/** The spec with its agents' MCP servers as a run recorded before the registry may keep them (names only). */
function withRecordedMcpServers(spec: unknown): unknown {
  const agents = (spec as { agents?: unknown } | undefined)?.agents;
  if (!agents || typeof agents !== 'object' || Array.isArray(agents)) return spec;
  const lists = Object.entries(agents as Record<string, { mcpServers?: unknown } | undefined>).map(([name, a]) => ({
    path: name,
    entries: a?.mcpServers,
  }));
  const names = mcpServersForValidation(lists);
  if (names.size === 0) return spec;
  const rewritten = Object.fromEntries(
    Object.entries(agents as Record<string, object>).map(([name, a]) =>
      names.has(name) ? [name, { ...a, mcpServers: names.get(name) }] : [name, a],
    ),
  );
  return { ...(spec as object), agents: rewritten };
}

function validSpec(input: GraphInput): GraphSpec {
  const parsed = parseGraphSpec(withRecordedMcpServers(input?.spec), { templatePaths: false });
  if (!parsed.ok) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidGraphSpec,
      message: `invalid graph spec: ${parsed.problems.join('; ')}`,
      nonRetryable: true,
    });
  }
  const unknown = Object.keys(input.input ?? {}).filter((k) => !(k in parsed.spec.state));
  if (unknown.length) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidGraphInput,
      message: `invalid graph input: ${unknown.join(', ')} not declared under state (declared: ${Object.keys(parsed.spec.state).join(', ') || 'none'})`,
      nonRetryable: true,
    });
  }
  // Both checks refuse runs that earlier code started (and failed later, or rendered a reference literally); each
  // asks for its patch only when it refuses, so histories of runs it lets through carry no marker and replay.
  const pathProblems = templatePathProblems(parsed.spec);
  if (pathProblems.length && patched(GRAPH_TEMPLATE_PATHS_PATCH)) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidGraphSpec,
      message: `invalid graph spec: ${pathProblems.join('; ')}`,
      nonRetryable: true,
    });
  }
  const typeProblems = stateInputProblems(parsed.spec.state, input.input ?? {});
  if (typeProblems.length && patched(GRAPH_INPUT_TYPES_PATCH)) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidGraphInput,
      message: `invalid graph input: ${typeProblems.join('; ')}`,
      nonRetryable: true,
    });
  }
  if (input.budget !== undefined) {
    const budget = budgetSchema.safeParse(input.budget);
    if (!budget.success) {
      throw ApplicationFailure.create({
        type: ErrorType.InvalidGraphInput,
        message: `invalid graph input: ${describeIssues(budget.error.issues, { prefix: 'budget.', root: 'budget' })}`,
        nonRetryable: true,
      });
    }
  }
  return parsed.spec;
}

export async function graphWorkflow(input: GraphInput): Promise<GraphResult> {
  const spec = validSpec(input);
  const run = new GraphRun(spec, initialState(spec.state, input.input ?? {}), input.budget);
  const gates = new ApprovalGates(run);
  const webhooks = await RunWebhooks.start({ workflowType: 'graphWorkflow', name: spec.name });
  run.webhooks = webhooks;
  const listener = webhooks.approvalListener();
  if (listener) gates.listener = listener;
  let result: GraphResult;
  try {
    result = await runGraph(spec, input, run, gates);
    // A decision still being verified gets its answer before the run ends.
    await gates.settle();
  } catch (err) {
    const ending = run.status === 'budget_exceeded' ? 'budget_exceeded' : isCancellation(err) ? 'cancelled' : 'failed';
    await webhooks.end(endingEvents(ending, err, totals(run)));
    throw err;
  }
  // The terminal events are delivered before the run ends, so a subscriber hears of them even after retries.
  await webhooks.end([
    ...(result.status === 'budget_exceeded'
      ? [{ event: 'budget.exceeded' as const, data: { status: result.status, ...totals(run) } }]
      : []),
    {
      event: 'run.completed',
      data: {
        status: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
        ...totals(run),
        output: boundedText(JSON.stringify(result.output) ?? ''),
      },
    },
  ]);
  return result;
}

/** What webhook events say about the graph run's size and cost. */
function totals(run: GraphRun): Record<string, unknown> {
  const budget = run.budget.status(run.spend());
  return {
    steps: run.step,
    modelCalls: run.modelCalls,
    toolCalls: run.toolCalls,
    usage: { ...run.usage },
    costUsd: run.cost.totalUsd,
    ...(budget ? { budget } : {}),
  };
}

async function runGraph(spec: GraphSpec, input: GraphInput, run: GraphRun, gates: ApprovalGates): Promise<GraphResult> {
  setHandler(graphStateQuery, () => run.snapshot());
  setHandler(approveSignal, (d) => gates.onApprove(d));
  setHandler(rejectSignal, (d) => gates.onReject(d));
  setHandler(decideUpdate, (d) => gates.onDecide(d), { validator: (d) => gates.validateDecide(d) });
  setHandler(childApprovalsSignal, (report) => gates.onChildApprovals(report));
  run.announce();

  const resultOf = (status: GraphResult['status'], output: unknown, reason?: string): GraphResult => {
    const budget = run.budget.status(run.spend());
    return {
      graph: spec.name,
      status,
      output,
      values: run.values,
      steps: run.steps,
      decisions: run.decisions,
      usage: run.usage,
      cost: run.cost,
      ...(reason ? { reason } : {}),
      ...(budget ? { budget } : {}),
    };
  };
  const finish = (status: GraphResult['status'], output: unknown, reason?: string): GraphResult => {
    run.setStatus(status, reason);
    return resultOf(status, output, reason);
  };
  /**
   * A budget breach follows the graph's over-budget edge once, when it declares one; otherwise (or on a
   * second breach) the run ends with a BudgetExceeded failure that keeps the partial result.
   */
  const overBudget = (err: BudgetBreachError, at: string): string => {
    run.budget.markExceeded(err.breach);
    if (spec.onBudgetExceeded && !run.overBudgetEdgeTaken) {
      run.overBudgetEdgeTaken = true;
      run.decide({ step: run.step, from: at, to: spec.onBudgetExceeded, by: 'budget', reason: err.breach.message });
      log.warn('graph over budget; taking its over-budget edge', {
        at,
        to: spec.onBudgetExceeded,
        limit: err.breach.limit,
      });
      return spec.onBudgetExceeded;
    }
    const reason = `budget exceeded at ${at}: ${err.breach.message}`;
    run.setStatus('budget_exceeded', reason);
    throw budgetExceededFailure(`graph ${spec.name}`, err.breach, resultOf('budget_exceeded', undefined, reason));
  };

  let current = spec.entry;
  try {
    for (;;) {
      const node = spec.nodes[current] as GraphNode;
      run.currentNode = current;
      // Graphs do not continue as new: their state, routing log and child runs live in this one history. When
      // Temporal suggests continuing (the history is near its size limits) the run stops here instead, at a
      // node boundary, with the typed `limit_reached` outcome, rather than being terminated by the server later.
      // Asked only when suggested, so earlier runs replay without a marker.
      if (workflowInfo().continueAsNewSuggested && patched(GRAPH_HISTORY_LIMIT_PATCH)) {
        const { historyLength, historySize } = workflowInfo();
        return finish(
          'limit_reached',
          undefined,
          `history limit: Temporal suggests continuing as new (${historyLength} events, ${historySize} bytes) before ${current}; graphs stop here, so split the work into smaller graph runs`,
        );
      }
      if (run.step >= spec.limits.maxSteps)
        return finish('limit_reached', undefined, `maxSteps ${spec.limits.maxSteps} reached before ${current}`);
      // Counted only once the visit is allowed, so `visits` in state never shows a visit that did not happen.
      const visits = (run.visits[current] ?? 0) + 1;
      if (visits > spec.limits.maxNodeVisits) {
        return finish(
          'limit_reached',
          undefined,
          `node ${current} would run more than maxNodeVisits=${spec.limits.maxNodeVisits} times`,
        );
      }
      run.visits[current] = visits;
      run.step += 1;
      if (node.kind === 'end') {
        run.addStep({ step: run.step, node: current, kind: 'end', status: 'ok', summary: 'end' });
        const output = node.output ? run.values[node.output] : run.values;
        if (run.overBudgetEdgeTaken) return finish('budget_exceeded', output, run.budget.exceeded?.message);
        return finish('completed', output);
      }

      const gate = spec.approvals.find((a) => a.before === current);
      if (gate) {
        const gateRecord = run.addStep({
          step: run.step,
          node: current,
          kind: 'gate',
          status: 'awaiting_approval',
          summary: '',
        });
        const decision = await gates.request({
          approvalId: `before-${current}-step-${run.step}`,
          what: gate.what ? renderTemplate(gate.what, run.values) : `run ${current}`,
          why: `graph ${spec.name} asks before ${current}`,
          proposed: JSON.stringify(run.values).slice(0, 4000),
          requestedAt: new Date().toISOString(),
          ...(gate.timeout ? { timeout: gate.timeout } : {}),
          ...(gate.approvers ? { approvers: gate.approvers } : {}),
        });
        const approved = decision.decision === 'approved';
        run.finishStep(gateRecord, {
          status: approved ? 'ok' : 'rejected',
          summary: `${decision.decision}${decision.by ? ` by ${decision.by}` : ''}`,
        });
        if (!approved) {
          if (!gate.onReject) return finish('rejected', undefined, `rejected before ${current}`);
          run.decide({
            step: run.step,
            from: current,
            to: gate.onReject,
            by: 'approval',
            reason: 'rejected before running',
          });
          current = gate.onReject;
          continue;
        }
      }
      const record = run.addStep({ step: run.step, node: current, kind: node.kind, status: 'running', summary: '' });
      let outcome;
      try {
        outcome = await executeNode(run, gates, current, node);
      } catch (err) {
        run.finishStep(record, { status: 'error', summary: (err as Error).message });
        if (!(err instanceof BudgetBreachError)) throw err;
        current = overBudget(err, current);
        continue;
      }
      run.update(outcome.updates);
      run.finishStep(record, {
        status: outcome.approved === false ? 'rejected' : 'ok',
        summary: outcome.summary,
        ...(outcome.children?.length ? { children: outcome.children } : {}),
      });

      if (outcome.approved === false) {
        const onReject = node.kind === 'approval' ? node.onReject : undefined;
        if (!onReject) return finish('rejected', undefined, `rejected at ${current}`);
        run.decide({ step: run.step, from: current, to: onReject, by: 'approval', reason: 'rejected' });
        current = onReject;
        continue;
      }
      let decision;
      try {
        decision = await nextNode(run, current, node.next);
      } catch (err) {
        if (!(err instanceof BudgetBreachError)) throw err;
        current = overBudget(err, current);
        continue;
      }
      run.decide(decision);
      log.info('graph routed', {
        graph: spec.name,
        from: decision.from,
        to: decision.to,
        by: decision.by,
        reason: decision.reason,
      });
      current = decision.to;
    }
  } catch (err) {
    if (run.status !== 'budget_exceeded')
      run.setStatus(isCancellation(err) ? 'cancelled' : 'failed', (err as Error).message);
    throw err;
  }
}
