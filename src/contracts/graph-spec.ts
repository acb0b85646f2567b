/**
 * The graph spec: agents, nodes, edges, state and limits, as data. It travels in `graphWorkflow`'s input
 * (and so in history), which is why a new graph needs no worker redeploy. Everything here is validated by
 * zod before a run starts; an invalid spec is refused with the path of the bad field.
 */
import { z } from 'zod';
import { modelIdSchema } from './model-id';
import { approvalTimeoutSchema, approversSchema } from './agent-contract';
import { mcpServerSpecSchema } from './tool-catalog';
import { agentAllowHostsSchema } from './tool-specs';
import { budgetSchema } from './budget';
import { specProblems } from './zod-issues';

const nodeId = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/, 'letters, digits, _ and -, starting with a letter');
const fieldName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/, 'a state field name');
/** A state field, or a path into a nested one: `order.status`, `items.0.sku`. */
const fieldPath = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}(\.[a-zA-Z0-9_]{1,64}){0,15}$/, 'a state field name or a dotted path into one');
const jsonSchema = z.record(z.string(), z.unknown());

export const graphAgentSchema = z
  .object({
    /** The agent's system prompt. Crews may give role, goal and backstory instead; they become the prompt as written. */
    instructions: z.string().min(1).optional(),
    role: z.string().min(1).optional(),
    goal: z.string().min(1).optional(),
    backstory: z.string().min(1).optional(),
    model: modelIdSchema,
    tools: z.array(z.string().min(1)).default([]),
    mcpServers: z.array(mcpServerSpecSchema).default([]),
    /** The only hosts this agent's http_fetch calls may reach, within the worker's limits. */
    httpFetchAllowHosts: agentAllowHostsSchema.optional(),
    approvalRequiredTools: z.array(z.string().min(1)).default([]),
    outputSchema: jsonSchema.optional(),
    maxSteps: z.number().int().min(1).max(100).default(8),
    /** Models the agent switches to when its provider's circuit opens. */
    fallbackModels: z.array(modelIdSchema).max(5).optional(),
  })
  .strict()
  .refine((a) => a.instructions !== undefined || a.role !== undefined, { message: 'give instructions, or a role' });
export type GraphAgent = z.output<typeof graphAgentSchema>;

/** `{ field, op, value }`: the only condition form, never evaluated code. */
export const conditionSchema = z
  .object({
    field: fieldPath,
    op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'notExists', 'in']),
    value: z.unknown().optional(),
  })
  .strict();
export type Condition = z.infer<typeof conditionSchema>;

export const routerSchema = z
  .object({
    model: modelIdSchema,
    instructions: z.string().min(1),
    /** What the router reads, a template over state (`{{field}}`). */
    input: z.string().min(1),
    /** The nodes it may pick. */
    options: z.array(nodeId).min(1),
    /** Taken when the router answers anything but one of the options. */
    fallback: nodeId,
  })
  .strict();
export type RouterSpec = z.infer<typeof routerSchema>;

export const edgeSchema = z.union([
  nodeId,
  z
    .object({ rules: z.array(z.object({ when: conditionSchema, to: nodeId }).strict()).min(1), default: nodeId })
    .strict(),
  z.object({ router: routerSchema }).strict(),
]);
export type Edge = z.infer<typeof edgeSchema>;

/** A template over state: `{{field}}` is replaced by the field's value (JSON for non-strings). */
const template = z.string();

/**
 * `{{ name }}` or `{{ name.path.0 }}` in a template: a state field, or a path into a nested one (object keys,
 * array indexes). The one definition both validation and rendering use.
 */
export const TEMPLATE_FIELD = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+)*)\s*\}\}/g;

/** The references a template makes, as written: `topic`, `order.status`. */
export function templateRefs(text: string): string[] {
  return [...text.matchAll(TEMPLATE_FIELD)].map((m) => m[1] as string);
}

/** Every string inside tool arguments, however deeply nested, with its path. */
function argStrings(value: unknown, path: (string | number)[]): [string, (string | number)[]][] {
  if (typeof value === 'string') return [[value, path]];
  if (Array.isArray(value)) return value.flatMap((v, i) => argStrings(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => argStrings(v, [...path, k]));
  return [];
}

const agentNode = z
  .object({
    kind: z.literal('agent'),
    agent: z.string().min(1),
    input: template,
    output: fieldName.optional(),
    next: edgeSchema,
  })
  .strict();
const llmNode = z
  .object({
    kind: z.literal('llm'),
    model: modelIdSchema,
    instructions: z.string().min(1),
    input: template,
    /** Structured output; its fields are merged into state by each field's merge rule. */
    outputSchema: jsonSchema,
    next: edgeSchema,
  })
  .strict();
const toolNode = z
  .object({
    kind: z.literal('tool'),
    tool: z.string().min(1),
    /** Arguments: literal values, or `{{field}}` templates filled from state. */
    args: z.record(z.string(), z.unknown()).default({}),
    output: fieldName.optional(),
    next: edgeSchema,
  })
  .strict();
const approvalNode = z
  .object({
    kind: z.literal('approval'),
    /** What the person approves, a template over state. */
    what: template,
    /** The node to go to when rejected; without it a rejection ends the run as rejected. */
    onReject: nodeId.optional(),
    timeout: approvalTimeoutSchema.optional(),
    /** Who may decide; anyone when absent. */
    approvers: approversSchema.optional(),
    next: edgeSchema,
  })
  .strict();
/** A `parallel` node's `maxItems` when its spec gives none, and the most a spec may give. */
export const DEFAULT_PARALLEL_ITEMS = 100;
export const MAX_PARALLEL_ITEMS = 1000;

const parallelNode = z
  .object({
    kind: z.literal('parallel'),
    /** A state field holding the list to fan out over. */
    over: fieldName,
    agent: z.string().min(1),
    /** Input of each branch; `{{item}}` is the list element. */
    input: template,
    /** How many branches run at once. */
    concurrency: z.number().int().min(1).max(100).default(4),
    /**
     * The most items the list may hold: the list is usually written by a model, and each item starts a child
     * run. A longer list fails the run with `TooManyItems` before any branch starts.
     */
    maxItems: z.number().int().min(1).max(MAX_PARALLEL_ITEMS).default(DEFAULT_PARALLEL_ITEMS),
    /** Field receiving the list of branch answers, in list order. */
    output: fieldName,
    next: edgeSchema,
  })
  .strict();
const groupChatNode = z
  .object({
    kind: z.literal('groupChat'),
    agents: z.array(z.string().min(1)).min(2),
    /** What the conversation starts from, a template over state. */
    topic: template,
    speaker: z.union([
      z.literal('round-robin'),
      z.object({ selector: z.object({ model: modelIdSchema, instructions: z.string().min(1) }).strict() }).strict(),
    ]),
    maxTurns: z.number().int().min(1).max(100),
    /** The chat ends when a message contains this phrase. */
    terminateOn: z.string().min(1).optional(),
    /** Ask a person after the chat before going on. */
    approval: z.boolean().default(false),
    /** Field receiving the transcript (a list of `{ speaker, text }`). */
    output: fieldName,
    next: edgeSchema,
  })
  .strict();
const endNode = z.object({ kind: z.literal('end'), output: fieldName.optional() }).strict();
/** Does nothing but route: the place for a supervisor's or a manager's router edge. */
const routeNode = z.object({ kind: z.literal('route'), next: edgeSchema }).strict();

export const graphNodeSchema = z.discriminatedUnion('kind', [
  agentNode,
  llmNode,
  toolNode,
  approvalNode,
  parallelNode,
  groupChatNode,
  endNode,
  routeNode,
]);
export type GraphNode = z.infer<typeof graphNodeSchema>;

export const stateFieldSchema = z
  .object({
    type: z.enum(['string', 'number', 'boolean', 'array', 'object', 'any']).default('any'),
    /** replace: the new value wins; append: lists grow; merge: objects are merged key by key. */
    merge: z.enum(['replace', 'append', 'merge']).default('replace'),
    default: z.unknown().optional(),
  })
  .strict();
export type StateField = z.output<typeof stateFieldSchema>;

export const graphSpecSchema = z
  .object({
    name: nodeId,
    description: z.string().default(''),
    agents: z.record(nodeId, graphAgentSchema).default({}),
    state: z.record(fieldName, stateFieldSchema).default({}),
    entry: nodeId,
    nodes: z.record(nodeId, graphNodeSchema),
    /** Human gates in front of nodes: `{ before: 'publish' }` waits for approval each time before publish runs. */
    approvals: z
      .array(
        z
          .object({
            before: nodeId,
            /** What the person approves, a template over state; default: "run <node>". */
            what: z.string().optional(),
            onReject: nodeId.optional(),
            timeout: approvalTimeoutSchema.optional(),
            /** Who may decide; anyone when absent. */
            approvers: approversSchema.optional(),
          })
          .strict(),
      )
      .default([]),
    limits: z
      .object({
        /** Any node visited more often than this ends the run (a loop guard). */
        maxNodeVisits: z.number().int().min(1).max(1000).default(10),
        /** Total node executions in a run. */
        maxSteps: z.number().int().min(1).max(10_000).default(100),
      })
      .strict()
      .default({ maxNodeVisits: 10, maxSteps: 100 }),
    /** Hard limits over the whole run tree; a `budget` in the run's input overrides it. */
    budget: budgetSchema.optional(),
    /** Where the run goes when the budget runs out (once), instead of failing with BudgetExceeded. */
    onBudgetExceeded: nodeId.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const nodes = Object.keys(spec.nodes);
    const agents = Object.keys(spec.agents);
    const fields = Object.keys(spec.state);
    const mustBeNode = (id: string, path: (string | number)[]) => {
      if (!nodes.includes(id))
        ctx.addIssue({ code: 'custom', path, message: `unknown node "${id}"; nodes: ${nodes.join(', ')}` });
    };
    const mustBeAgent = (name: string, path: (string | number)[]) => {
      if (!agents.includes(name))
        ctx.addIssue({
          code: 'custom',
          path,
          message: `unknown agent "${name}"; agents: ${agents.join(', ') || '(none)'}`,
        });
    };
    const mustBeField = (name: string, path: (string | number)[]) => {
      if (!fields.includes(name))
        ctx.addIssue({ code: 'custom', path, message: `unknown state field "${name}"; declare it under state` });
    };
    // A misspelt {{field}} would render as an empty string at run time; refuse it before any run starts. Dotted
    // references are checked by templatePathProblems, which graphWorkflow applies behind a patch.
    const checkTemplate = (text: string | undefined, path: (string | number)[], extra: string[] = []) => {
      for (const name of templateRefs(text ?? '').filter((ref) => !ref.includes('.'))) {
        if (!fields.includes(name) && !extra.includes(name))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `template refers to unknown state field "{{${name}}}"; declare it under state`,
          });
      }
    };
    const checkEdge = (edge: Edge, path: (string | number)[]) => {
      if (typeof edge === 'string') return mustBeNode(edge, path);
      if ('rules' in edge) {
        edge.rules.forEach((r, i) => {
          mustBeNode(r.to, [...path, 'rules', i, 'to']);
          mustBeField(r.when.field.split('.')[0] as string, [...path, 'rules', i, 'when', 'field']);
        });
        return mustBeNode(edge.default, [...path, 'default']);
      }
      checkTemplate(edge.router.input, [...path, 'router', 'input']);
      edge.router.options.forEach((o, i) => mustBeNode(o, [...path, 'router', 'options', i]));
      mustBeNode(edge.router.fallback, [...path, 'router', 'fallback']);
    };
    mustBeNode(spec.entry, ['entry']);
    if (spec.onBudgetExceeded) mustBeNode(spec.onBudgetExceeded, ['onBudgetExceeded']);
    spec.approvals.forEach((a, i) => {
      mustBeNode(a.before, ['approvals', i, 'before']);
      if (a.onReject) mustBeNode(a.onReject, ['approvals', i, 'onReject']);
      checkTemplate(a.what, ['approvals', i, 'what']);
    });
    for (const [id, node] of Object.entries(spec.nodes)) {
      const at = (...rest: (string | number)[]) => ['nodes', id, ...rest];
      if ('next' in node) checkEdge(node.next, at('next'));
      if (node.kind === 'agent' || node.kind === 'parallel') mustBeAgent(node.agent, at('agent'));
      if (node.kind === 'groupChat') node.agents.forEach((a, i) => mustBeAgent(a, at('agents', i)));
      if (node.kind === 'approval' && node.onReject) mustBeNode(node.onReject, at('onReject'));
      if (node.kind === 'parallel') mustBeField(node.over, at('over'));
      if (node.kind === 'agent' || node.kind === 'llm') checkTemplate(node.input, at('input'));
      if (node.kind === 'parallel') checkTemplate(node.input, at('input'), ['item', 'index']);
      if (node.kind === 'approval') checkTemplate(node.what, at('what'));
      if (node.kind === 'groupChat') checkTemplate(node.topic, at('topic'));
      if (node.kind === 'tool') argStrings(node.args, at('args')).forEach(([text, path]) => checkTemplate(text, path));
      if ('output' in node && node.output) mustBeField(node.output, at('output'));
      if (node.kind === 'llm') {
        const props = Object.keys((node.outputSchema.properties as Record<string, unknown> | undefined) ?? {});
        props.forEach((p) => mustBeField(p, at('outputSchema', 'properties', p)));
      }
    }
    if (!Object.values(spec.nodes).some((n) => n.kind === 'end'))
      ctx.addIssue({ code: 'custom', path: ['nodes'], message: 'a graph needs an end node' });
  });

export type GraphSpec = z.output<typeof graphSpecSchema>;
export type GraphSpecInput = z.input<typeof graphSpecSchema>;

/**
 * Validates a spec; the error lists each problem with the path of its field, e.g. `nodes.review.next: unknown node "x"`.
 * `templatePaths: false` leaves out the checks of dotted template references, for `graphWorkflow`, which applies
 * them behind a patch so runs started before them replay.
 */
export function parseGraphSpec(
  raw: unknown,
  options: { templatePaths?: boolean } = {},
): { ok: true; spec: GraphSpec } | { ok: false; problems: string[] } {
  const parsed = graphSpecSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: specProblems(parsed.error) };
  const problems = options.templatePaths === false ? [] : templatePathProblems(parsed.data);
  return problems.length ? { ok: false, problems } : { ok: true, spec: parsed.data };
}

/** Every template of a spec, with its field path and the extra names it may use (`item`, `index` in fan-outs). */
function templatesOf(spec: GraphSpec): { text: string; path: (string | number)[]; extra: string[] }[] {
  const found: { text: string; path: (string | number)[]; extra: string[] }[] = [];
  const add = (text: string | undefined, path: (string | number)[], extra: string[] = []) => {
    if (text !== undefined) found.push({ text, path, extra });
  };
  spec.approvals.forEach((a, i) => add(a.what, ['approvals', i, 'what']));
  for (const [id, node] of Object.entries(spec.nodes)) {
    const at = (...rest: (string | number)[]) => ['nodes', id, ...rest];
    if ('next' in node && typeof node.next === 'object' && 'router' in node.next)
      add(node.next.router.input, at('next', 'router', 'input'));
    if (node.kind === 'agent' || node.kind === 'llm') add(node.input, at('input'));
    if (node.kind === 'parallel') add(node.input, at('input'), ['item', 'index']);
    if (node.kind === 'approval') add(node.what, at('what'));
    if (node.kind === 'groupChat') add(node.topic, at('topic'));
    if (node.kind === 'tool') argStrings(node.args, at('args')).forEach(([text, path]) => add(text, path));
  }
  return found;
}

/**
 * Problems of dotted template references (`{{order.status}}`): the first segment must be a declared state field
 * (or `item`/`index` in a fan-out), and not one declared string, number or boolean, which has nothing inside.
 */
export function templatePathProblems(spec: GraphSpec): string[] {
  const problems: string[] = [];
  for (const { text, path, extra } of templatesOf(spec)) {
    for (const ref of templateRefs(text).filter((r) => r.includes('.'))) {
      const root = ref.split('.')[0] as string;
      const field = spec.state[root];
      const at = path.map(String).join('.');
      if (extra.includes(root)) continue;
      if (!field)
        problems.push(`${at}: template refers to unknown state field "{{${ref}}}"; declare ${root} under state`);
      else if (['string', 'number', 'boolean'].includes(field.type))
        problems.push(
          `${at}: "{{${ref}}}" reads inside ${root}, which is declared ${field.type}; declare it object, array or any`,
        );
    }
  }
  return problems;
}

/** The prompt of a graph agent: its instructions, or its role, goal and backstory exactly as the spec words them. */
export function agentPrompt(agent: GraphAgent): string {
  if (agent.instructions) return agent.instructions;
  return [agent.role, agent.goal, agent.backstory].filter(Boolean).join('\n\n');
}
