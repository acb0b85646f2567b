/**
 * Eval variants: a file (YAML or JSON) of overrides applied to an eval's agent target, so `agentctl eval
 * --compare` (and replay) can run the same cases through "the agent, but with another model / prompt / tools".
 *
 * A variant maps only onto fields `agentInputSchema` already has (`model`, `instructions`, `temperature`,
 * `maxSteps`, `tools`), or replaces the whole agent with another agent spec file (`spec`, a path resolved
 * relative to the variant file). `name` is the variant's label in reports, not the agent's name.
 *
 * The schema and `applyVariant` are pure; only `loadVariantFile` reads files (the variant, and the spec it names),
 * which is why nothing in src/workflows imports this module.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { agentInputFromSpec, parseAgentSpec } from '../agent-spec';
import { UserError } from '../errors';
import { modelIdSchema } from '../model-id';
import { issueLines } from '../zod-issues';
import type { EvalTarget } from './contract';

/** What a variant file holds. Every field is optional; an empty variant is the baseline again. */
export const variantFileSchema = z
  .object({
    /** The variant's label in reports and the comparison (default: the file's base name). */
    name: z.string().min(1).max(200).optional(),
    /** `provider:model` instead of the agent's. */
    model: modelIdSchema.optional(),
    /** The system prompt instead of the agent's. */
    instructions: z.string().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxSteps: z.number().int().min(1).max(1000).optional(),
    /** The agent's tool names instead of its own (the worker must register them). */
    tools: z.array(z.string().min(1)).max(200).optional(),
    /** An agent spec file that replaces the agent (relative paths are relative to the variant file). */
    spec: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type VariantFile = z.infer<typeof variantFileSchema>;

/** The agent part of an eval target (what `applyVariant` changes). */
export type EvalAgent = Extract<EvalTarget, { kind: 'agent' }>['agent'];

/** A variant ready to apply: its overrides, and the agent its spec file gave (already read and validated). */
export interface Variant {
  /** Label in reports. */
  name: string;
  model?: string;
  instructions?: string;
  temperature?: number;
  maxSteps?: number;
  tools?: string[];
  /** The agent that replaces the target's (from `spec`), before the other overrides apply. */
  agent?: EvalAgent;
  /** The spec file `agent` came from (absolute), for reports. */
  specFile?: string;
}

/**
 * The agent target with the variant applied: the variant's agent (when it has one) replaces the target's, then
 * each override given replaces that field. Pure; the target is not changed. A graph target takes no variant.
 */
export function applyVariant(target: EvalTarget, variant: Variant): EvalTarget {
  if (target.kind !== 'agent')
    throw new UserError(`variant ${variant.name}: variants apply to an agent, and this eval runs a graph`);
  const base: EvalAgent = variant.agent ? { ...variant.agent } : { ...target.agent };
  const overrides = {
    model: variant.model,
    instructions: variant.instructions,
    temperature: variant.temperature,
    maxSteps: variant.maxSteps,
    tools: variant.tools ? [...variant.tools] : undefined,
  };
  const agent = { ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  return { kind: 'agent', agent: agent as EvalAgent };
}

/** The agent target's fields of a spec: the spec's input but its budget (an eval sets a per-case budget). */
export function evalAgentFromSpec(spec: Parameters<typeof agentInputFromSpec>[0]): EvalAgent {
  const { budget: _budget, ...agent } = agentInputFromSpec(spec);
  return agent as EvalAgent;
}

/** Parses a variant document; a UserError names the file and each bad field (`model: ...; maxSteps: ...`). */
export function parseVariant(raw: unknown, label: string): VariantFile {
  if (raw === null || raw === undefined) return {};
  const parsed = variantFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(`variant ${label}: ${issueLines(parsed.error.issues, { root: '(variant)' }).join('; ')}`);
  }
  return parsed.data;
}

function readDocument(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    // JSON is YAML, so one parser reads both.
    return YAML.parse(text);
  } catch (err) {
    throw new UserError(`${what} ${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
}

/** Reads, validates and resolves a variant file (and the agent spec file it names, if any). */
export function loadVariantFile(file: string): Variant {
  const parsed = parseVariant(readDocument(file, 'variant'), file);
  const name = parsed.name ?? path.basename(file).replace(/\.(ya?ml|json)$/i, '');
  const variant: Variant = { name };
  if (parsed.model !== undefined) variant.model = parsed.model;
  if (parsed.instructions !== undefined) variant.instructions = parsed.instructions;
  if (parsed.temperature !== undefined) variant.temperature = parsed.temperature;
  if (parsed.maxSteps !== undefined) variant.maxSteps = parsed.maxSteps;
  if (parsed.tools !== undefined) variant.tools = parsed.tools;
  if (parsed.spec !== undefined) {
    const specFile = path.resolve(path.dirname(path.resolve(file)), parsed.spec);
    const spec = parseAgentSpec(readDocument(specFile, 'agent spec'));
    if (!spec.ok) throw new UserError(`variant ${file}: spec ${parsed.spec}: ${spec.problems.join('; ')}`);
    variant.agent = evalAgentFromSpec(spec.spec);
    variant.specFile = specFile;
  }
  return variant;
}
