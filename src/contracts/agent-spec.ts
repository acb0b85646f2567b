/**
 * The agent spec: one agent as data (YAML or JSON), the counterpart of the graph spec. A spec becomes an
 * `agentWorkflow` input through `agentInputFromSpec`, the one mapping the CLI (for a file or a name it finds)
 * and the worker (for a run started with only a name, see `resolveAgentSpec`) both use. Everything is
 * validated by zod first; problems name their field path, exactly as graph spec problems do.
 */
import { z } from 'zod';
import { approvalTimeoutSchema, approversSchema, type AgentInput, type ApprovalTimeout } from './agent-contract';
import { budgetSchema } from './budget';
import { contextSettingsSchema } from './context-window';
import { UserError } from './errors';
import { modelIdSchema } from './model-id';
import { MCP_TOOL_SEPARATOR, mcpServerSpecSchema } from './tool-catalog';
import { specProblems } from './zod-issues';

/** Agent names: what `agentctl start <name>` and the AgentName search attribute carry. */
export const agentNameSchema = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,99}$/, 'letters, digits, _ and -, starting with a letter (at most 100)');

/**
 * An MCP server the agent may use, by name only: the worker's operator declares what the name runs or
 * connects to (a spec is not trusted to give commands or URLs). `{ name, allowTools }` narrows its tools.
 */
export const mcpServerRefSchema = z
  .union([
    mcpServerSpecSchema.shape.name,
    z
      .object({
        name: mcpServerSpecSchema.shape.name,
        /** Only these tools of the server are offered to the model. */
        allowTools: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict(),
  ])
  .transform((ref) => (typeof ref === 'string' ? { name: ref } : ref));
export type McpServerRef = z.output<typeof mcpServerRefSchema>;

/** A scenario of the mock LLM server (`mock:<scenario>`). */
const scenarioName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/, 'a mock scenario name');

export const agentSpecSchema = z
  .object({
    name: agentNameSchema,
    /** One line for `agentctl agents` and the help. */
    description: z.string().default(''),
    /** The system prompt: what the agent is and how it works. */
    instructions: z.string().min(1),
    /** Default model id; `agentctl start --model` overrides it. */
    model: modelIdSchema,
    /** Tool names the worker registers (built-in or `defineTool`); nothing else is offered. */
    tools: z.array(z.string().min(1)).default([]),
    /** MCP servers by name; their tools are offered as `<server>__<tool>`. */
    mcpServers: z.array(mcpServerRefSchema).default([]),
    maxSteps: z.number().int().min(1).max(1000).default(10),
    /** Tools that wait for a person's decision before each call (destructive ones always do). */
    approvalRequiredTools: z.array(z.string().min(1)).default([]),
    /** How long approvals wait and what happens then; without it they wait indefinitely. */
    approvalTimeout: approvalTimeoutSchema.optional(),
    /** Who may decide this agent's approvals; anyone when absent. */
    approvers: approversSchema.optional(),
    /** Hard limits over each run of the agent and every run it starts. */
    budget: budgetSchema.optional(),
    /** When given, the final answer must be JSON valid against this JSON schema. */
    outputSchema: z.record(z.string(), z.unknown()).optional(),
    /** Context window management: what to drop or summarize when the conversation outgrows the model. */
    context: contextSettingsSchema.optional(),
    /** Continue as new after this many steps in one run, so long runs keep small histories. */
    continueAsNewAfterSteps: z.number().int().min(1).max(10000).optional(),
    /** Models to switch to, in order, when the current model's provider circuit opens. */
    fallbackModels: z.array(modelIdSchema).max(5).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxOutputTokens: z.number().int().positive().optional(),
    /** A request that shows what the agent does; used when a run gives none. */
    exampleInput: z.string().min(1).optional(),
    /** The mock LLM scenario that plays this agent offline (`--model mock:<scenario>`). */
    mockScenario: scenarioName.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const servers = spec.mcpServers.map((s) => s.name);
    servers.forEach((name, i) => {
      if (servers.indexOf(name) !== i)
        ctx.addIssue({ code: 'custom', path: ['mcpServers', i], message: `MCP server "${name}" is named twice` });
    });
    // The workflow would refuse these at run time; a spec names them before any run starts.
    spec.approvalRequiredTools.forEach((tool, i) => {
      const server = tool.includes(MCP_TOOL_SEPARATOR) ? tool.slice(0, tool.indexOf(MCP_TOOL_SEPARATOR)) : undefined;
      if (!spec.tools.includes(tool) && !(server && servers.includes(server)))
        ctx.addIssue({
          code: 'custom',
          path: ['approvalRequiredTools', i],
          message: `"${tool}" is not among the agent's tools (${spec.tools.join(', ') || 'none'}) nor an MCP server's tool`,
        });
    });
    if (spec.outputSchema) {
      try {
        z.fromJSONSchema(spec.outputSchema as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['outputSchema'], message: (err as Error).message });
      }
    }
  });

export type AgentSpec = z.output<typeof agentSpecSchema>;
export type AgentSpecInput = z.input<typeof agentSpecSchema>;

/** Validates a spec; the error lists each problem with the path of its field, e.g. `maxSteps: Too big: …`. */
export function parseAgentSpec(raw: unknown): { ok: true; spec: AgentSpec } | { ok: false; problems: string[] } {
  const parsed = agentSpecSchema.safeParse(raw);
  if (parsed.success) return { ok: true, spec: parsed.data };
  return { ok: false, problems: specProblems(parsed.error) };
}

/**
 * Maps the spec's MCP server names onto the workflow input's `mcpServers`. Today's input takes full server
 * declarations (command or URL), which a spec must never give, so a spec that names servers is refused here
 * with the reason; once the workflow input names operator-declared servers (branch `trust-registry`), this is
 * the one place that passes the names through.
 */
export function mcpServersForInput(refs: readonly McpServerRef[]): NonNullable<AgentInput['mcpServers']> {
  if (refs.length === 0) return [];
  throw new UserError(
    `mcpServers: ${refs.map((r) => r.name).join(', ')}: this version cannot run MCP servers named by a spec; ` +
      'the worker must declare them (a spec may only name them)',
  );
}

/** The fields of an `agentWorkflow` input that come from a spec: everything but the run's request. */
export type AgentInputFromSpec = Omit<AgentInput, 'input'>;

/**
 * The workflow input for a spec, without the request (the caller adds `input`). Fields the spec leaves out are
 * left out here too, so the workflow's own defaults apply and a shipped agent's input is what it always was.
 */
export function agentInputFromSpec(spec: AgentSpec, options: { model?: string } = {}): AgentInputFromSpec {
  const mcpServers = mcpServersForInput(spec.mcpServers);
  const optional = {
    approvalTimeout: spec.approvalTimeout satisfies ApprovalTimeout | undefined,
    approvers: spec.approvers,
    budget: spec.budget,
    context: spec.context,
    continueAsNewAfterSteps: spec.continueAsNewAfterSteps,
    fallbackModels: spec.fallbackModels,
    temperature: spec.temperature,
    maxOutputTokens: spec.maxOutputTokens,
  };
  return {
    agent: spec.name,
    instructions: spec.instructions,
    model: options.model ?? spec.model,
    tools: spec.tools,
    ...(mcpServers.length ? { mcpServers } : {}),
    maxSteps: spec.maxSteps,
    approvalRequiredTools: spec.approvalRequiredTools,
    ...(spec.outputSchema ? { outputSchema: spec.outputSchema } : {}),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

/** What the `resolveAgentSpec` activity answers: the spec's part of the input, and its example request. */
export interface ResolvedAgentSpec {
  input: AgentInputFromSpec;
  exampleInput?: string;
}

export const RESOLVE_AGENT_SPEC_ACTIVITY = 'resolveAgentSpec';

/** The spec's example request, for a run that gives none; a spec without one needs the run to give it. */
export function exampleInputOf(spec: Pick<AgentSpec, 'name' | 'exampleInput'>): string {
  if (spec.exampleInput === undefined)
    throw new UserError(`agent ${spec.name} has no exampleInput; give the request (--input)`);
  return spec.exampleInput;
}

/**
 * A run that names an agent of the worker's catalog instead of carrying it: `{ agent: 'support-agent' }`, with
 * the request (`input`, else the spec's example) and any other input field, which wins over the spec's.
 */
export type AgentByNameInput = { agent: string; input?: string } & Partial<
  Omit<AgentInput, 'agent' | 'input' | 'instructions'>
>;

/** True for an input that names an agent and carries no instructions: the worker resolves the rest. */
export function namesAgentOnly(raw: unknown): raw is AgentByNameInput {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const o = raw as Record<string, unknown>;
  return typeof o.agent === 'string' && o.instructions === undefined;
}

/** The full input of a run started by name: the spec's fields, then the run's own, then the request. */
export function inputFromResolvedSpec(resolved: ResolvedAgentSpec, run: AgentByNameInput): Record<string, unknown> {
  const input = run.input ?? resolved.exampleInput;
  return { ...resolved.input, ...run, ...(input !== undefined ? { input } : {}) };
}
