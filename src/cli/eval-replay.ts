/**
 * `agentctl eval replay <workflowId|history.json>... [--variant FILE] [--out DIR] [--json]`: re-runs recorded agent
 * runs, a variant applied, through the recording-backed model provider, so only the model calls whose request
 * changed are paid for; then reports per run and per step: replayed or live, requests made, cost, money saved.
 * `agentctl eval --replay ...` is the same command (`evalReplayFromEvalArgs`, for the `eval` command to call).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { AgentInput } from '../contracts/agent-contract';
import type { AgentClient } from '../client/agent-client';
import { RunFailedError } from '../client/errors';
import {
  recordedRun,
  recordingFromHistoryFile,
  replayReport,
  type RecordedSource,
  type ReplayRunReport,
} from '../client/eval-replay';
import { applyVariant, loadVariantFile, type EvalAgent, type Variant } from '../contracts/evals/variant';
import type { CliContext, Command } from './command';
import { UsageError } from './errors';
import { json, table, usd } from './output';

/** Replay runs started and awaited at once. */
const CONCURRENCY = 4;
/** Most recorded runs one command replays. */
const MAX_SOURCES = 100;

const flagsSchema = z.object({
  variant: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

const usage = 'eval replay <workflowId|history.json>... [--variant FILE] [--out DIR] [--json]';

/** Arguments: sources (a `.json` argument is a saved history file, anything else a workflow id) and flags. */
function parseReplayArgs(command: string, argv: string[]): { sources: string[]; flags: z.output<typeof flagsSchema> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { variant: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    const option = /option '([^']+?)(?: <value>)?'/i.exec((err as Error).message)?.[1];
    throw new UsageError(
      option
        ? `${command}: bad flag ${option} (see agentctl ${command} --help)`
        : `${command}: ${(err as Error).message}`,
    );
  }
  if (!parsed.positionals.length) {
    throw new UsageError(`${command} needs <workflowId|history.json>... (see agentctl ${command} --help)`);
  }
  if (parsed.positionals.length > MAX_SOURCES) {
    throw new UsageError(`${command}: at most ${MAX_SOURCES} recorded runs at once`);
  }
  const flags = flagsSchema.safeParse(parsed.values);
  if (!flags.success) throw new UsageError(`${command}: ${flags.error.issues.map((i) => i.message).join('; ')}`);
  return { sources: parsed.positionals, flags: flags.data };
}

const isHistoryFile = (source: string): boolean => source.toLowerCase().endsWith('.json');

/** The recorded input with the variant applied, as the replay run's input. */
export function replayInputFor(source: RecordedSource, variant: Variant | undefined): AgentInput {
  const { input, budget, ...agent } = source.input;
  let applied: object = agent;
  if (variant) {
    const target = applyVariant({ kind: 'agent', agent: agent as EvalAgent }, variant);
    if (target.kind === 'agent') applied = target.agent;
  }
  return {
    ...(applied as Omit<AgentInput, 'input'>),
    input,
    ...(budget ? { budget } : {}),
    replay: source.replay,
  } as AgentInput;
}

/** A workflow id for the replay run: recognisably the recorded one's, and new. */
function replayWorkflowId(source: RecordedSource): string {
  return `replay-${randomBytes(4).toString('hex')}--${source.label}`.slice(0, 200);
}

/** Starts one replay run and waits for it to end. */
async function replayOne(
  client: AgentClient,
  source: RecordedSource,
  variant: Variant | undefined,
): Promise<ReplayRunReport> {
  // A queue nobody polls would leave the replay waiting for good: say so at once instead.
  const started = await client.startAgent(replayInputFor(source, variant), {
    id: replayWorkflowId(source),
    requireWorkers: true,
  });
  const outcome = await client.outcome(started.workflowId);
  if (outcome.outcome === 'completed') return replayReport(source, started.workflowId, outcome);
  // A failed run's steps so far, from its state (a closed run still answers the query while a worker runs).
  const state = await client.tryGetState(started.workflowId).catch(() => undefined);
  const partial = state?.ok && state.state.workflowType === 'agentWorkflow' ? state.state : undefined;
  return replayReport(source, started.workflowId, outcome, partial);
}

/** Runs `work` over `items`, at most `limit` at once, keeping the order of `items` in the result. */
async function pooled<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

const safeName = (text: string): string => text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 150);

function renderRun(report: ReplayRunReport): string {
  const head =
    `replay of ${report.source} → ${report.workflowId}: ${report.status}; ` +
    `${report.modelCalls} model calls, ${report.replayed} replayed, ${report.requests} live ` +
    `(${report.requests} requests); cost ${usd(report.costUsd)}, saved ${usd(report.savedUsd)}`;
  const lines = [head];
  if (report.error) lines.push(`error: ${report.error}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  if (report.steps.length) {
    lines.push(
      table(report.steps, [
        { header: 'STEP', value: (s) => String(s.step), align: 'right' },
        { header: 'KIND', value: (s) => s.kind },
        { header: 'NAME', value: (s) => s.name },
        { header: 'MODE', value: (s) => s.mode ?? (s.kind === 'tool' ? 'ran' : '') },
        { header: 'TOKENS', value: (s) => (s.tokens !== undefined ? String(s.tokens) : ''), align: 'right' },
        { header: 'COST', value: (s) => (s.costUsd !== undefined ? usd(s.costUsd) : ''), align: 'right' },
        { header: 'SAVED', value: (s) => (s.savedUsd ? usd(s.savedUsd) : ''), align: 'right' },
        { header: 'SUMMARY', value: (s) => s.summary, flex: true },
      ]),
    );
  }
  return lines.join('\n');
}

/** The command's work, shared by `eval replay` and `eval --replay`. */
async function runReplay(ctx: CliContext, command: string, argv: string[]): Promise<void> {
  const { sources, flags } = parseReplayArgs(command, argv);
  // The variant and every file are read before anything starts, so a typo starts nothing.
  const variant = flags.variant ? loadVariantFile(flags.variant) : undefined;
  const client = await ctx.client();
  const recorded: RecordedSource[] = [];
  for (const source of sources) {
    recorded.push(
      isHistoryFile(source)
        ? await recordingFromHistoryFile(client.temporal, source)
        : await recordedRun(client.temporal, source),
    );
  }
  const reports = await pooled(recorded, CONCURRENCY, (source) => replayOne(client, source, variant));
  if (flags.out) {
    await fs.mkdir(flags.out, { recursive: true });
    const used = new Set<string>();
    for (const report of reports) {
      let name = `replay-${safeName(report.recordedWorkflowId ?? report.source.replace(/\.json$/i, ''))}`;
      for (let n = 2; used.has(name); n++) name = `${name}-${n}`;
      used.add(name);
      await fs.writeFile(path.join(flags.out, `${name}.json`), `${json(report)}\n`);
    }
  }
  if (flags.json) ctx.print(json({ variant: variant?.name ?? null, runs: reports }));
  else ctx.print(reports.map(renderRun).join('\n\n'));
  const failed = reports.filter((r) => r.status !== 'completed');
  if (failed.length) {
    const first = failed[0] as ReplayRunReport;
    throw new RunFailedError(
      first.workflowId,
      'failed',
      `${failed.length} of ${reports.length} replay runs did not complete; ${first.workflowId}: ${first.error ?? first.status}`,
    );
  }
}

export const evalReplayCommand: Command = {
  name: 'eval replay',
  usage,
  summary: 're-run recorded runs with a variant; only model calls whose request changed are paid for',
  details: [
    '<workflowId>      a recorded agentWorkflow run (its latest run; a continued run replays from its first)',
    '<history.json>    a saved history (`temporal workflow show --output json`); its model answers go in the input',
    '--variant FILE    overrides to apply (model, instructions, temperature, maxSteps, tools, or a spec file)',
    '--out DIR         write replay-<id>.json per recorded run',
    '--json            print the report as JSON',
  ],
  run: (ctx, argv) => runReplay(ctx, 'eval replay', argv),
};

/** `agentctl eval --replay <sources>... [--variant FILE] ...`: the `eval` command hands its arguments here. */
export function evalReplayFromEvalArgs(ctx: CliContext, argv: string[]): Promise<void> {
  return runReplay(
    ctx,
    'eval --replay',
    argv.filter((a) => a !== '--replay'),
  );
}
