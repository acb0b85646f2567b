/**
 * Every patch id `patched()` is called with, in one place. A patch id is recorded in the history of every run
 * that took the new branch, so an id never changes and is never reused; a change to a workflow's command
 * sequence gets a new id here (with the date and what it guards) and the old branch stays until no open run
 * needs it, when the call becomes `deprecatePatch()` with the same constant.
 * Dates are those of the commit that added each id (`git log -S'<id>'`).
 */

/**
 * 2026-11-22. Tools resolved by the `describeTools` activity (recorded in history, so MCP servers and the
 * worker's own tools can be listed); runs from before take the built-in specs compiled into the workflow.
 */
export const TOOL_DISCOVERY_PATCH = 'describe-tools-activity';

/**
 * 2026-12-02. Model calls scheduled on their provider's task queue (`<taskQueue>-model-<provider>`) instead of
 * the workflow's own, so Temporal's task-queue rate limit caps each provider across workers.
 */
export const MODEL_PROVIDER_QUEUE_PATCH = 'model-provider-task-queue';

/**
 * 2026-12-02. The graph's ledger counts what failed children and failed llm-node calls spent (the child's
 * partial ledger, the failed call's usage), which older runs left out of their totals.
 */
export const LEDGER_FAILED_ATTEMPTS_PATCH = 'ledger-failed-attempts';

/**
 * 2026-12-02. Tool-call idempotency keys include the run id (`<workflowId>:<runId>:<callId>`), so a reset or a
 * reused workflow id never collides with an earlier run's keys; older runs keep `<workflowId>:<callId>`.
 */
export const IDEMPOTENCY_KEY_PATCH = 'idempotency-key-per-execution';

/**
 * 2026-12-02. agentWorkflow passes its conversation by reference (the conversation store holds it; each model
 * call sends only what is new) when the input asks for it; older runs send the whole conversation every call.
 */
export const CONVERSATION_BY_REFERENCE_PATCH = 'conversation-by-reference';

/**
 * 2026-12-02. agentWorkflow continues as new on long runs, carrying totals and the conversation reference;
 * older runs never reach the continue-as-new step.
 */
export const CONTINUE_AS_NEW_PATCH = 'continue-as-new';

/**
 * 2026-12-02. Human decisions are checked by the `verifyApprovalDecision` activity (signature, approver) before
 * a gate applies them; older runs apply decisions unchecked.
 */
export const APPROVAL_VERIFICATION_PATCH = 'approval-verification';

/**
 * 2026-12-07. Runs name MCP servers the worker's operator declares; an input or spec that defines one inline
 * (command, URL, environment variable names) is refused by validation. Older runs replay with only the names of
 * their servers kept, and the worker refuses anything inline they still ask it to run.
 */
export const MCP_SERVER_REGISTRY_PATCH = 'mcp-server-registry';

/**
 * 2026-12-07. A graph `parallel` node whose list holds more than its `maxItems` fails with `TooManyItems` before
 * starting any branch. Asked only when a list is over the cap, so runs whose lists fit record no marker; an
 * older run with a longer list replays as it ran (every branch started).
 */
export const PARALLEL_ITEM_CAP_PATCH = 'parallel-item-cap';

/**
 * 2026-12-07. graphWorkflow stops with `limit_reached` ("history limit: …") at the next node when Temporal
 * suggests continuing as new, since graphs do not continue as new. Asked only when suggested.
 */
export const GRAPH_HISTORY_LIMIT_PATCH = 'graph-history-limit';

/**
 * 2026-12-07. A run may name an agent only (`{ agent, input }`, no instructions): the `resolveAgentSpec` activity
 * answers with the spec from the worker's agent catalog; older runs failed such an input at validation. Asked
 * only for such inputs, so other runs carry no marker.
 */
export const AGENT_SPEC_RESOLUTION_PATCH = 'resolve-agent-spec';

/**
 * 2026-12-07. graphWorkflow refuses dotted template references (`{{order.status}}`) into undeclared or scalar
 * state fields at start (InvalidGraphSpec); older runs rendered them literally. Asked only when refusing.
 */
export const GRAPH_TEMPLATE_PATHS_PATCH = 'graph-template-paths';

/**
 * 2026-12-07. graphWorkflow refuses initial state values of the wrong declared type at start (InvalidGraphInput);
 * older runs took them and failed later, in a node. Asked only when refusing.
 */
export const GRAPH_INPUT_TYPES_PATCH = 'graph-input-types';

/**
 * 2026-12-07. Decisions are bound to namespace, workflow id, run id, approval id and the digest of what the
 * person was shown; one bound elsewhere is refused in the workflow before it is verified, the signature covers
 * the binding, and a decision passed down to a child carries it (and reaches the child's exact run).
 */
export const APPROVAL_BINDING_PATCH = 'approval-binding';

/**
 * 2026-12-07. A `childApprovals` signal is only a nudge: the parent accepts it only for a child it started and
 * reads that child's pending approvals from the child (the `readChildApprovals` activity); older runs took
 * the signal's content as the child's list.
 */
export const CHILD_APPROVALS_READ_PATCH = 'child-approvals-read';

/**
 * 2026-12-07. A verification activity that fails refuses the decision (update) or ignores it (signal) instead
 * of failing the run, and a run answers the decisions still being verified before it completes.
 */
export const DECISION_RACE_PATCH = 'approval-decision-race';

/**
 * 2026-12-07. Webhooks: a run on a worker that declares webhook subscriptions asks the `webhookPlan` local
 * activity at its start which subscriptions want its events, and delivers those through `deliverWebhook`
 * activities. Asked only when the worker's bundle declares webhooks (and on replay, where the history decides),
 * so runs on workers without subscriptions carry no marker; older runs replay without deliveries.
 */
export const WEBHOOKS_PATCH = 'webhooks';

/**
 * 2026-12-08. Lean agent steps, one marker for both changes (each patch also costs a search-attribute upsert):
 * (1) a run asks `describeTools` (its recorded answer) which providers' model calls go to their own task queue,
 * only those the worker fleet rate-limits; the others stay on the workflow's own queue, where the server may
 * dispatch them eagerly (runs without tools ask nothing and keep the provider queues); (2) AgentTokens and
 * AgentCostUsd are upserted with status changes, at the end and at most every USAGE_UPSERT_INTERVAL of workflow
 * time, not after every model call; (3) a run naming no MCP server asks `describeTools` as a local activity (one
 * marker instead of an activity and a second workflow task). Asked once at the start of agentWorkflow; older runs
 * replay as they ran.
 * A run that took it is newer than MODEL_PROVIDER_QUEUE_PATCH and CONVERSATION_BY_REFERENCE_PATCH, so it does not
 * ask those (their branches are implied; no marker recorded).
 */
export const LEAN_STEPS_PATCH = 'lean-agent-steps';

/** Every patch id above, oldest first; a test holds each `patched()` call in src/ to one of these. */
export const patchIds = [
  TOOL_DISCOVERY_PATCH,
  MODEL_PROVIDER_QUEUE_PATCH,
  LEDGER_FAILED_ATTEMPTS_PATCH,
  IDEMPOTENCY_KEY_PATCH,
  CONVERSATION_BY_REFERENCE_PATCH,
  CONTINUE_AS_NEW_PATCH,
  APPROVAL_VERIFICATION_PATCH,
  MCP_SERVER_REGISTRY_PATCH,
  PARALLEL_ITEM_CAP_PATCH,
  GRAPH_HISTORY_LIMIT_PATCH,
  AGENT_SPEC_RESOLUTION_PATCH,
  GRAPH_TEMPLATE_PATHS_PATCH,
  GRAPH_INPUT_TYPES_PATCH,
  APPROVAL_BINDING_PATCH,
  CHILD_APPROVALS_READ_PATCH,
  DECISION_RACE_PATCH,
  WEBHOOKS_PATCH,
  LEAN_STEPS_PATCH,
] as const;
