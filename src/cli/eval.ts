/**
 * `agentctl eval <dataset> (--agent | --graph) ...`: runs a dataset through an agent or a graph as an `evalWorkflow`,
 * shows progress while it runs, then the terminal report (and the JSON and HTML files with `--out`). With
 * `--compare <variant file>` it runs the baseline and the variant as two evals of the same cases side by side and
 * exits 1 when the variant's mean score is below the baseline's by more than `--max-regression`, so CI can gate
 * a prompt or model change. Everything is validated before anything connects.
 */
import { z } from 'zod';
import { assertWithinPayloadLimit } from '../client/payload-limit';
import type { ValidEvalInput } from '../contracts/evals/contract';
import { UserError } from '../contracts/errors';
import { modelIdSchema, parseModelId } from '../contracts/model-id';
import { missingWorkers } from '../client/pollers';
import { agentModels } from '../contracts/priced-models';
import { applyVariant, loadVariantFile, type Variant } from '../contracts/evals/variant';
import { parseCommandArgs, type CliContext, type Command } from './command';
import { UsageError } from './errors';
import { asUsage, defaultEvalName, evalInputOf, readDataset, readScorersFile, resolveTarget } from './eval-input';
import { compareReportOf, evalReportOf, prepareOutDir, writeCompareReport, writeEvalReport } from './eval-output';
import { followEval } from './eval-progress';
import { evalReplayFromEvalArgs } from './eval-replay';
import { compareEvals, DEFAULT_MAX_REGRESSION, DEFAULT_SEED } from './eval-report/compare';
import { comparisonTable, evalTable } from './eval-report/terminal';
import { fields, json, outputWidth, webUiLink } from './output';
import { assertPricedUnderBudget } from './price-check';

/** The variant regressed past `--max-regression`: exit 1 with the one-line reason (a verdict, not a fault). */
export class EvalRegressionError extends UserError {}

const number = (what: string) => z.coerce.number({ error: `must be ${what}` });

const args = {
  options: {
    agent: { type: 'string' },
    graph: { type: 'string' },
    model: { type: 'string' },
    concurrency: { type: 'string' },
    judge: { type: 'string' },
    scorers: { type: 'string' },
    'budget-usd': { type: 'string' },
    name: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
    compare: { type: 'string' },
    'max-regression': { type: 'string' },
    seed: { type: 'string' },
    interval: { type: 'string' },
  },
  positionals: ['dataset'],
  flags: z.object({
    agent: z.string().min(1, 'must not be empty').optional(),
    graph: z.string().min(1, 'must not be empty').optional(),
    model: modelIdSchema.optional(),
    concurrency: number('a whole number')
      .int('must be a whole number')
      .min(1, 'must be from 1 to 50')
      .max(50, 'must be from 1 to 50')
      .optional(),
    judge: modelIdSchema.optional(),
    scorers: z.string().min(1, 'must not be empty').optional(),
    'budget-usd': number('a number of dollars').positive('must be more than 0').optional(),
    name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    out: z.string().min(1, 'must not be empty').optional(),
    json: z.boolean().default(false),
    'no-wait': z.boolean().default(false),
    compare: z.string().min(1, 'must not be empty').optional(),
    'max-regression': number('a number of score points')
      .min(0, 'must be from 0 to 1 (score points)')
      .max(1, 'must be from 0 to 1 (score points)')
      .optional(),
    seed: number('a whole number')
      .int('must be a whole number')
      .min(0, 'must be from 0 to 4294967295')
      .max(0xffffffff, 'must be from 0 to 4294967295')
      .optional(),
    interval: number('a number of milliseconds')
      .int('must be a whole number of milliseconds')
      .min(100, 'must be at least 100 ms')
      .max(60_000, 'must be at most 60000 ms')
      .default(500),
  }),
} as const;

type Flags = z.output<typeof args.flags>;

/** What the flags and files make: the baseline's input and, with --compare, the variant's. */
interface EvalPlan {
  dataset: string;
  baseline: ValidEvalInput;
  variant?: { variant: Variant; input: ValidEvalInput };
  /** Every model the evals may call (targets, fallbacks, judges), for the check that some worker serves them. */
  models: string[];
}

function checkFlagCombinations(flags: Flags): void {
  if ((flags.agent === undefined) === (flags.graph === undefined))
    throw new UsageError('eval needs one of --agent NAME|FILE or --graph NAME|FILE (see agentctl eval --help)');
  if (flags.graph !== undefined && flags.model)
    throw new UsageError('--model applies to --agent; a graph names its models in its spec');
  if (flags.compare !== undefined && flags.graph !== undefined)
    throw new UsageError('--compare applies to --agent: a variant overrides an agent');
  if (flags.compare !== undefined && flags['no-wait'])
    throw new UsageError('--compare waits for both evals to compare them; drop --no-wait');
  if (flags.compare === undefined && (flags['max-regression'] !== undefined || flags.seed !== undefined))
    throw new UsageError('--max-regression and --seed apply to --compare');
}

/** Reads every file and builds every input; throws a UsageError for any mistake. Connects to nothing. */
function planEval(ctx: CliContext, datasetFile: string, flags: Flags): EvalPlan {
  checkFlagCombinations(flags);
  const dataset = readDataset(datasetFile);
  const scorers = [...(flags.scorers ? readScorersFile(flags.scorers) : []), ...dataset.scorers];
  if (!scorers.length)
    throw new UsageError(
      `no scorers: give --scorers FILE (a YAML/JSON list of scorers) or a scorers: list in the dataset (YAML { cases, scorers })`,
    );
  const resolved = resolveTarget(ctx.agents(), { agent: flags.agent, graph: flags.graph }, flags.model);
  const caseBudget =
    resolved.budget || flags['budget-usd'] !== undefined
      ? { ...resolved.budget, ...(flags['budget-usd'] !== undefined ? { maxCostUsd: flags['budget-usd'] } : {}) }
      : undefined;
  const name = flags.name ?? defaultEvalName(datasetFile);
  const parts = { dataset, scorers, concurrency: flags.concurrency, caseBudget, judge: flags.judge };
  const baseline = evalInputOf({ ...parts, name, target: resolved.target });
  asUsage(() => assertWithinPayloadLimit(baseline, 'the eval input'));
  asUsage(() => assertPricedUnderBudget(resolved.models, caseBudget, resolved.label));
  const judges = [
    ...(flags.judge ? [flags.judge] : []),
    ...scorers.flatMap((s) => (s.type === 'judge' && s.model ? [s.model] : [])),
  ];
  if (flags.compare === undefined) return { dataset: datasetFile, baseline, models: [...resolved.models, ...judges] };

  const variant = asUsage(() => loadVariantFile(flags.compare as string));
  const target = asUsage(() => applyVariant(resolved.target, variant));
  const input = evalInputOf({ ...parts, name: `${name}-${variant.name}`.slice(0, 200), target });
  if (target.kind === 'agent')
    asUsage(() => assertPricedUnderBudget(agentModels(target.agent), caseBudget, `variant ${variant.name}`));
  asUsage(() => assertWithinPayloadLimit(input, 'the variant eval input'));
  const variantModels = target.kind === 'agent' ? agentModels(target.agent) : [];
  return {
    dataset: datasetFile,
    baseline,
    variant: { variant, input },
    models: [...resolved.models, ...variantModels, ...judges],
  };
}

export const evalCommand: Command = {
  name: 'eval',
  usage:
    'eval <dataset> (--agent NAME|FILE | --graph NAME|FILE) [--model provider:model] [--concurrency N] [--judge provider:model] [--scorers FILE] [--budget-usd X] [--name N] [--out DIR] [--json] [--no-wait] [--compare VARIANT [--max-regression X] [--seed N]]',
  summary:
    'run a dataset through an agent or graph, scored; reports in the terminal, JSON and HTML; --compare gates a variant',
  details: [
    '<dataset>               JSONL (a case a line) or YAML (a list of cases, or { cases, scorers })',
    '--agent NAME|FILE       an agent of the catalog (agentctl agents) or an agent spec file',
    '--graph NAME|FILE       a shipped graph (agentctl graphs) or a graph spec file',
    "--model provider:model  the agent's model instead of its own",
    '--concurrency N         cases running at once (default 4, at most 50)',
    '--judge provider:model  the model of judge scorers that name none',
    "--scorers FILE          a YAML/JSON list of scorers, added to the dataset's scorers: list",
    "--budget-usd X          each case's cost limit (the case fails when it is reached)",
    "--name N                the eval's name (default: the dataset file's name)",
    '--out DIR               write eval-<id>.json and eval-<id>.html (and compare-<id>.*) there',
    '--json                  print the JSON report on stdout (progress goes to stderr)',
    '--no-wait               start the eval, print its id, and exit (follow it with agentctl watch <id>)',
    '--compare VARIANT       also run a variant file (model, instructions, temperature, maxSteps, tools, spec)',
    `--max-regression X      exit 1 when the variant's mean score is more than X below the baseline's (default ${DEFAULT_MAX_REGRESSION})`,
    `--seed N                the bootstrap's seed (default ${DEFAULT_SEED}; 2000 resamples, 95% intervals)`,
    '--interval MS           how often progress is read (default 500)',
    '--replay SOURCES...     replay recorded runs (ids or saved histories) with --variant FILE: see eval replay',
    'Exits 0 when the eval completed (and, with --compare, the variant did not regress), 1 when an eval failed',
    'or the variant regressed, 2 for a mistake in the flags, the dataset, the scorers or the variant file.',
  ],
  async run(ctx, argv) {
    // `eval --replay <sources>... --variant FILE` is `eval replay` under the spelling.
    if (argv.includes('--replay')) return evalReplayFromEvalArgs(ctx, argv);
    const { positionals, flags } = parseCommandArgs('eval', argv, args);
    const plan = planEval(ctx, positionals[0] as string, flags);
    if (flags.out) prepareOutDir(flags.out);
    // With --json, stdout carries the report alone; what a person reads meanwhile goes to stderr.
    const info = flags.json ? (text: string) => void process.stderr.write(`${text}\n`) : ctx.print;
    const spinner = flags.json ? process.stderr : process.stdout;
    const client = await ctx.client();
    // As `agentctl start` does: say at once when no worker would run the eval, rather than wait in silence.
    const providers = [...new Set(plan.models.map((m) => parseModelId(m).provider))];
    const missing = await missingWorkers(client.temporal, ctx.settings.taskQueue, providers);

    const [baseline, variant] = await Promise.all([
      client.startEval(plan.baseline),
      plan.variant ? client.startEval(plan.variant.input) : undefined,
    ]);
    for (const started of [baseline, variant]) {
      if (!started) continue;
      info(
        [
          `started eval ${started.workflowId}: ${started.cases} cases`,
          fields([
            ['watch', `agentctl watch ${started.workflowId}`],
            ['web ui', webUiLink(ctx.settings.webUiUrl, ctx.settings.namespace, started.workflowId)],
          ]),
        ].join('\n'),
      );
    }
    for (const m of missing) ctx.warn(`warning: ${m.message}; the eval waits until one does`);
    if (missing.length && !flags['no-wait']) {
      throw new UserError(
        `not waiting for eval ${baseline.workflowId}: ${missing.map((m) => m.message).join('; ')}. ` +
          `It was started and will run once a worker polls; follow it with agentctl watch ${baseline.workflowId}`,
      );
    }
    if (flags['no-wait']) {
      if (flags.json) ctx.print(json({ workflowId: baseline.workflowId, name: baseline.name, cases: baseline.cases }));
      return;
    }

    const quiet = { write: () => true };
    const [baseResult, variantResult] = await Promise.all([
      followEval(client, baseline.workflowId, {
        intervalMs: flags.interval,
        print: info,
        spinner,
        ...(variant ? { label: 'baseline' } : {}),
      }),
      variant && plan.variant
        ? followEval(client, variant.workflowId, {
            intervalMs: flags.interval,
            print: info,
            // One spinner line per terminal: the baseline's.
            spinner: quiet,
            label: plan.variant.variant.name,
          })
        : undefined,
    ]);
    const baseReport = evalReportOf(baseline.workflowId, plan.baseline, baseResult, { dataset: plan.dataset });
    const width = outputWidth(flags.json ? process.stderr : process.stdout);

    if (!variant || !variantResult || !plan.variant) {
      const written = flags.out ? writeEvalReport(flags.out, baseReport) : [];
      if (flags.json) ctx.print(json(baseReport));
      else ctx.print(evalTable(baseResult, width));
      for (const file of written) info(`report: ${file}`);
      return;
    }

    const variantReport = evalReportOf(variant.workflowId, plan.variant.input, variantResult, {
      dataset: plan.dataset,
      variant: plan.variant.variant.name,
    });
    const comparison = compareEvals(baseResult, variantResult, {
      baselineName: 'baseline',
      variantName: plan.variant.variant.name,
      ...(flags['max-regression'] !== undefined ? { maxRegression: flags['max-regression'] } : {}),
      ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    });
    const report = compareReportOf(baseReport, variantReport, comparison);
    const written = flags.out
      ? [
          ...writeEvalReport(flags.out, baseReport),
          ...writeEvalReport(flags.out, variantReport),
          ...writeCompareReport(flags.out, report),
        ]
      : [];
    if (flags.json) ctx.print(json(report));
    else ctx.print(comparisonTable(comparison, width));
    for (const file of written) info(`report: ${file}`);
    if (comparison.regressed) throw new EvalRegressionError(comparison.verdict);
  },
};
