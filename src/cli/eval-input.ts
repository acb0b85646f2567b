/**
 * `agentctl eval`'s input: the dataset file (cases, and the scorers a YAML dataset may list), the `--scorers` file,
 * the target (an agent or a graph, by catalog name or spec file, resolved the way `agentctl start` resolves them)
 * and the flags, put together into an `evalWorkflow` input and validated with the workflow's own schema. Nothing
 * here connects to Temporal, so every mistake is reported before anything starts. A problem with any file the
 * command was given is a UsageError (exit 2): the invocation, not a run, is what is wrong.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { AgentCatalog } from '../agents/catalog';
import { resolveSpecReference } from '../agents/references';
import type { BudgetInput } from '../contracts/budget';
import { evalInputSchema, type EvalTarget, type ValidEvalInput } from '../contracts/evals/contract';
import { datasetFormatOf, parseDatasetFile, type Dataset } from '../contracts/evals/dataset';
import { scorerSpecSchema, type ScorerSpec } from '../contracts/evals/scorers';
import { evalAgentFromSpec } from '../contracts/evals/variant';
import { UserError } from '../contracts/errors';
import { agentModels, graphModels } from '../contracts/priced-models';
import { issueLines } from '../contracts/zod-issues';
import { UsageError } from './errors';

/** Runs `read`, turning a UserError (a bad file) into a UsageError with the same one-line message. */
export function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof UserError && !(err instanceof UsageError)) throw new UsageError(err.message);
    throw err;
  }
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** The dataset's cases and scorers; a bad case or scorer is a UsageError naming its line or number and field. */
export function readDataset(file: string): Dataset {
  const text = readText(file, 'dataset');
  return asUsage(() => parseDatasetFile(text, datasetFormatOf(file), file));
}

/** A `--scorers` file: a YAML or JSON list of scorer specs (or `{ scorers: [...] }`). */
export function readScorersFile(file: string): ScorerSpec[] {
  const text = readText(file, '--scorers file');
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new UsageError(`--scorers ${file}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { scorers?: unknown } | null)?.scorers;
  if (!Array.isArray(list) || list.length === 0)
    throw new UsageError(`--scorers ${file}: expected a list of scorers (or { scorers: [...] })`);
  const problems: string[] = [];
  const scorers: ScorerSpec[] = [];
  list.forEach((value, i) => {
    const parsed = scorerSpecSchema.safeParse(value);
    if (parsed.success) scorers.push(parsed.data);
    else problems.push(...issueLines(parsed.error.issues, { prefix: `scorer ${i + 1}: `, root: `scorer ${i + 1}` }));
  });
  if (problems.length) throw new UsageError(`--scorers ${file}: ${problems.slice(0, 20).join('; ')}`);
  return scorers;
}

/** The target an eval runs, what the case budget starts from, and the models it calls (for the price check). */
export interface ResolvedTarget {
  target: EvalTarget;
  /** The agent spec's own budget: each case of an agent eval keeps it (a graph's is in its spec). */
  budget?: BudgetInput;
  models: string[];
  label: string;
}

/** `--agent NAME|FILE` or `--graph NAME|FILE`, with `--model` for an agent. */
export function resolveTarget(
  catalog: AgentCatalog,
  ref: { agent?: string; graph?: string },
  model: string | undefined,
): ResolvedTarget {
  const name = (ref.agent ?? ref.graph) as string;
  const resolved = asUsage(() => resolveSpecReference(catalog, name));
  if (ref.agent !== undefined) {
    if (resolved.kind !== 'agent') throw new UsageError(`--agent ${name} is a graph; use --graph ${name}`);
    const agent = evalAgentFromSpec(resolved.spec);
    if (model) agent.model = model;
    return {
      target: { kind: 'agent', agent },
      ...(resolved.spec.budget ? { budget: resolved.spec.budget } : {}),
      models: agentModels(agent),
      label: `agent ${resolved.spec.name}`,
    };
  }
  if (resolved.kind !== 'graph') throw new UsageError(`--graph ${name} is an agent; use --agent ${name}`);
  return {
    target: { kind: 'graph', spec: resolved.spec as unknown as Record<string, unknown> },
    models: graphModels(resolved.spec),
    label: `graph ${resolved.spec.name}`,
  };
}

export interface EvalInputParts {
  name: string;
  target: EvalTarget;
  dataset: Dataset;
  scorers: ScorerSpec[];
  concurrency?: number;
  caseBudget?: BudgetInput;
  judge?: string;
}

/** The eval's name when `--name` gives none: the dataset file's base name. */
export function defaultEvalName(datasetFile: string): string {
  return path.basename(datasetFile).replace(/\.(jsonl|ndjson|ya?ml|json)$/i, '') || 'eval';
}

/** The validated `evalWorkflow` input; a problem (a judge without a model, a duplicate id) is a UsageError. */
export function evalInputOf(parts: EvalInputParts): ValidEvalInput {
  const parsed = evalInputSchema.safeParse({
    name: parts.name,
    target: parts.target,
    cases: parts.dataset.cases,
    scorers: parts.scorers,
    ...(parts.concurrency !== undefined ? { concurrency: parts.concurrency } : {}),
    ...(parts.caseBudget ? { caseBudget: parts.caseBudget } : {}),
    ...(parts.judge ? { judge: parts.judge } : {}),
  });
  if (!parsed.success) {
    const problems = issueLines(parsed.error.issues, { root: '(eval)' })
      .map((line) =>
        line.replace(
          /^scorers\.(\d+)\.model: a judge needs a model \(or --judge\)$/,
          (_, i: string) => `scorer ${Number(i) + 1} (judge): needs a model: give it one, or --judge provider:model`,
        ),
      )
      .slice(0, 20);
    throw new UsageError(`eval: ${problems.join('; ')}`);
  }
  return parsed.data;
}
