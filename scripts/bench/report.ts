/**
 * Turns one bench run into the markdown tables it prints (results-file.ts keeps them and the JSON).
 */
import os from 'node:os';
import type { BenchOptions, WorkerTuning } from './options';
import type { ConcurrencyResult } from './phases/concurrency';
import type { CrashResult } from './phases/crash';
import type { OverheadResult } from './phases/overhead';
import type { ApiResult } from './phases/api';
import type { PromptResult } from './phases/prompt';
import type { ServerKnobsResult } from './phases/server-knobs';
import type { TokensResult } from './phases/tokens';
import type { ConcurrencySummary } from './phases/concurrency';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  platform: string;
  node: string;
  temporalCli: string;
  temporalCliSource: string;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  durationS: number;
  machine: MachineInfo;
  options: Omit<BenchOptions, 'write' | 'deadlineMs'>;
  /** Eager activity dispatch needs `system.enableActivityEagerExecution` on the server; see docs/benchmarks.md. */
  eagerActivityExecution: string;
  overhead?: OverheadResult;
  concurrency?: ConcurrencyResult;
  crash?: CrashResult;
  prompt?: PromptResult;
  serverKnobs?: ServerKnobsResult;
  api?: ApiResult;
  tokens?: TokensResult;
  errors: Array<{ phase: string; message: string }>;
}

export function machineInfo(temporalCli: string, temporalCliSource: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    temporalCli: temporalCli.replace(/\s+/g, ' '),
    temporalCliSource,
  };
}

const row = (cells: Array<string | number>): string => `| ${cells.join(' | ')} |`;
const sep = (aligns: string): string =>
  `|${aligns
    .split('')
    .map((a) => (a === 'r' ? '---:' : '---'))
    .join('|')}|`;
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
const times = (x: number): string => `${x.toFixed(2)}×`;

export function describeTuning(tuning: WorkerTuning): string {
  const entries = Object.entries(tuning);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : 'SDK defaults';
}

function overheadTable(o: OverheadResult): string[] {
  const da = o.modes['durable-agents'];
  const hw = o.modes['hand-written'];
  const ip = o.modes['in-process'];
  const line = (label: string, t: typeof da): string =>
    row([
      label,
      t.msPerStep.toFixed(1),
      `${t.minMsPerStep.toFixed(1)}–${t.maxMsPerStep.toFixed(1)}`,
      times(t.msPerStep / hw.msPerStep),
      times(t.msPerStep / ip.msPerStep),
      (t.msPerStep - o.modelDelayMs).toFixed(1),
    ]);
  return [
    `### a. Overhead per agent step: ${o.steps} steps (${o.steps - 1} calculator turns, then the answer), mock model ${o.modelDelayMs} ms, median of ${o.reps} runs`,
    '',
    row([
      'mode',
      'ms/step (median)',
      'min–max',
      '× hand-written (2)',
      '× in-process (3)',
      `ms/step beyond the ${o.modelDelayMs} ms model call`,
    ]),
    sep('lrrrrr'),
    line('(1) durable-agents `agentWorkflow`', da),
    line('(2) hand-written Temporal workflow', hw),
    line('(3) in-process loop, no Temporal', ip),
    '',
    `durable-agents adds ${o.addedMsPerStepOverHandWritten.toFixed(1)} ms/step over the hand-written workflow and ` +
      `${o.addedMsPerStepOverInProcess.toFixed(1)} ms/step over the in-process loop. The in-process loop calls the same ` +
      'activity functions (createActivities: callModel over the OpenAI adapter, tool:calculator) through ' +
      "MockActivityEnvironment from @temporalio/testing, so Temporal's activity Context works as on a worker.",
  ];
}

function concurrencyLines(lines: ConcurrencySummary[]): string[] {
  const hw = lines.find((r) => r.workflow === 'hand-written');
  return lines.map((r) =>
    row([
      r.label,
      r.rounds > 1 ? `${r.wallS.toFixed(1)} (${r.wallMinS.toFixed(1)}–${r.wallMaxS.toFixed(1)})` : r.wallS.toFixed(1),
      times(r.wallOverIdeal),
      r.runsPerMinute,
      hw ? times(r.wallS / hw.wallS) : '–',
      `${r.p50DoneS.toFixed(1)} / ${r.p95DoneS.toFixed(1)}`,
      r.maxConcurrentModelCalls,
      `${r.workerIdleRssMb} / ${r.workerPeakRssMb}`,
      `${r.workerCpuS.toFixed(0)} / ${r.serverCpuS?.toFixed(0) ?? '?'} / ${r.benchCpuS.toFixed(0)}`,
      r.cpuMsPerStep?.toFixed(1) ?? '?',
      r.workerMainThreadBusyPct !== undefined ? `${r.workerMainThreadBusyPct}%` : '?',
      r.failedRuns,
    ]),
  );
}

function concurrencyTable(c: ConcurrencyResult, knobs?: ServerKnobsResult): string[] {
  const knobLines = knobs?.variants.flatMap((v) => v.concurrency ?? []) ?? [];
  const ideal = c.summary[0]?.idealS ?? 0;
  return [
    `### b. Concurrency: ${c.runs} runs × ${c.steps} steps started at once, mock model ${c.modelDelayMs} ms, one worker process, median of ${c.rounds} round(s)`,
    '',
    row([
      'worker (stock dev server unless named)',
      'wall s (min–max)',
      `wall / ideal (${ideal.toFixed(1)} s)`,
      'runs/min',
      '× hand-written wall',
      'runs done p50 / p95 s',
      'model calls in flight (max)',
      'worker RSS idle / peak MB',
      'CPU s worker / server / bench',
      'CPU ms per step',
      'worker main thread busy',
      'failed',
    ]),
    sep('lrrrrrrrrrrr'),
    ...concurrencyLines(c.summary),
    ...concurrencyLines(knobLines),
    '',
    `Ideal = the sequential critical path of one run (${c.steps} × ${c.modelDelayMs} ms). Rounds alternate ` +
      'durable-agents and the hand-written workflow, each on a fresh worker process. RSS is ' +
      'process.memoryUsage().rss of that worker process, sampled every 50 ms. CPU = seconds used during the load by ' +
      'the worker process, the dev server and the bench process (mock LLM server and client). The worker main ' +
      'thread runs the activities and payload conversion; workflow code runs on a thread of its own.',
  ];
}

function crashTable(c: CrashResult): string[] {
  return [
    `### c. Crash recovery: SIGKILL of the worker process ${c.killedMsIntoCall} ms into model call ${c.killedDuringTurn + 1} of ${c.steps} (${c.modelDelayMs} ms calls), then a new worker process`,
    '',
    row(['measure', 'value']),
    sep('lr'),
    row(['kill → new worker process polling', `${c.newWorkerPollingS.toFixed(2)} s`]),
    row(['kill → run moving again (next model request at the mock)', `${c.nextModelRequestS.toFixed(2)} s`]),
    row(['kill → next completed activity in history', `${c.nextCompletedEventS.toFixed(2)} s`]),
    row(['kill → run finished', `${c.runFinishedS.toFixed(2)} s`]),
    row([
      'model requests / completed / interrupted by the kill',
      `${c.modelRequests} / ${c.completedModelCalls} / ${c.interruptedModelCalls}`,
    ]),
    row(['**completed model calls sent twice**', `**${c.duplicateCompletedCalls}**`]),
    '',
    `The interrupted call is retried once the server gives up on the dead worker: after the model call's heartbeat ` +
      `timeout (${c.heartbeatTimeout}) plus the retry policy's first interval (${c.retryInitialInterval}).`,
  ];
}

function promptTable(p: PromptResult): string[] {
  return [
    `### d. Prompt overhead: what the model was sent per step vs the minimal prompt (instructions + history + tool schemas), ${p.steps} steps`,
    '',
    row([
      'mode',
      'tokens/step sent',
      'minimal',
      'overhead',
      'HTTP body bytes/step sent',
      'minimal',
      'overhead',
      'steps differing',
      'provider-reported input tokens/step',
    ]),
    sep('lrrrrrrrr'),
    ...p.rows.map((r) =>
      row([
        r.mode,
        r.sentTokensPerStep,
        r.minimalTokensPerStep,
        pct(r.overheadPct),
        r.sentBodyBytesPerStep,
        r.minimalBodyBytesPerStep,
        pct(r.bodyOverheadPct),
        `${r.stepsDifferingFromMinimal}/${r.requests}`,
        r.reportedInputTokensPerStep,
      ]),
    ),
    '',
    'Read off the wire by a recording proxy in front of the mock. Tokens = prompt text (message contents, tool calls, ' +
      'tool schemas) at 4 characters a token, as the mock counts; the provider-reported figure is the mock counting the ' +
      'whole JSON body that way.',
  ];
}

function historyTable(o: OverheadResult): string[] {
  const h = o.history;
  const line = (label: string, x: (typeof h)['durable-agents']): string =>
    row([label, x.events, x.eventsPerStep.toFixed(1), x.protoBytesPerStep, x.jsonBytesPerStep, x.payloadBytesPerStep]);
  return [
    `### e. History per step: one finished ${o.steps}-step run (fetchHistory)`,
    '',
    row(['workflow', 'events', 'events/step', 'protobuf bytes/step', 'JSON bytes/step', 'of which payload bytes/step']),
    sep('lrrrrr'),
    line('durable-agents `agentWorkflow`', h['durable-agents']),
    line('hand-written Temporal workflow', h['hand-written']),
  ];
}

function knobsTable(k: ServerKnobsResult, stock?: OverheadResult): string[] {
  const lines = [
    `### f. Server knobs: the overhead runs of (a) on dev servers started with dynamic config (${k.steps} steps, ${k.modelDelayMs} ms model, median of ${k.reps})`,
    '',
    row([
      'dev server',
      'durable-agents ms/step',
      'hand-written ms/step',
      '× hand-written',
      `durable-agents ms/step beyond the ${k.modelDelayMs} ms model call`,
    ]),
    sep('lrrrr'),
  ];
  if (stock) {
    const da = stock.modes['durable-agents'].msPerStep;
    const hw = stock.modes['hand-written'].msPerStep;
    lines.push(
      row(['stock (as in a)', da.toFixed(1), hw.toFixed(1), times(da / hw), (da - stock.modelDelayMs).toFixed(1)]),
    );
  }
  for (const v of k.variants) {
    lines.push(
      row([
        v.label,
        v.durable.msPerStep.toFixed(1),
        v.handWritten.msPerStep.toFixed(1),
        times(v.ratioToHandWritten),
        (v.durable.msPerStep - k.modelDelayMs).toFixed(1),
      ]),
    );
  }
  lines.push(
    '',
    '`history.transferProcessorMaxPollRPS` (default 20 per shard; the dev server has one shard) caps how often the ' +
      'history service reads the queue that hands new activity and workflow tasks to matching, so every dispatch waits ' +
      'for the next read. `system.enableActivityEagerExecution` (default false) lets the server hand an activity back ' +
      'in the workflow-task completion instead of through that queue.',
  );
  return lines;
}

function apiTable(a: ApiResult): string[] {
  const ms = (x: { p50Ms: number; p95Ms: number }): string => `${x.p50Ms.toFixed(1)} / ${x.p95Ms.toFixed(1)}`;
  return [
    `### g. HTTP API: starting a run and following it (API in process, fetch as the client; ${a.modelDelayMs} ms one-call runs)`,
    '',
    row(['concurrent', 'POST /v1/runs → 202, p50 / p95 ms', 'client API start, p50 / p95 ms', '× client API (p50)']),
    sep('rrrr'),
    ...a.start.map((r) => row([r.concurrency, ms(r.http), ms(r.direct), times(r.ratio)])),
    '',
    row([
      'concurrent runs',
      'run.ended after the close time, p50 / p95 ms',
      'after the client API result(), p50 / p95 ms',
    ]),
    sep('rrr'),
    ...a.sse.map((r) => row([r.concurrency, ms(r.afterClose), ms(r.afterResult)])),
    '',
    `The SSE stream polls a followed run every ${a.pollIntervalMs} ms (the API's default), so its delay after the ` +
      'close is at most about one interval; a negative figure after result() means the SSE event came first.',
  ];
}

function tokensTable(t: TokensResult): string[] {
  return [
    `### h. Live tokens: from the mock writing a piece to the subscriber reading it (${t.piecesPerAnswer} pieces, one every ${t.pieceMs} ms, per run)`,
    '',
    row(['design', 'concurrent runs', 'pieces timed', 'p50 ms', 'p95 ms', 'pieces missed']),
    sep('lrrrrr'),
    ...t.delivery.map((d) =>
      row([d.design, d.concurrency, d.pieces, d.p50Ms.toFixed(1), d.p95Ms.toFixed(1), d.missed]),
    ),
    '',
    row(['one run of', 'history events', 'over the same run not streamed', 'signals', 'updates']),
    sep('lrrrr'),
    ...t.history.map((h) => row([h.design, h.events, h.extra, h.signals, h.updates])),
    '',
    `durable-agents is followed through GET /v1/runs/{id}/events (fetch, the API in process); workflow-streams through ` +
      `its client's subscribe(), its publisher batching every ${t.workflowStreamsBatchMs} ms (its default is 2 s). ` +
      'A piece counts from the mock writing it to the first event holding its first character; pieces written ' +
      'before the subscriber was connected are not timed.' +
      (t.skipped.length ? ` Left out: ${t.skipped.join('; ')}.` : ''),
  ];
}

/** The tables of one run, printed together. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [
    `## durable-agents bench, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.platform}, Node ${m.node}. ` +
      `Temporal: \`temporal server start-dev\` (${m.temporalCli}), in-memory, headless, on 127.0.0.1. ` +
      `Worker options: ${describeTuning(r.options.tuning)}; eager activity execution: ${r.eagerActivityExecution}. ` +
      `Bench took ${Math.round(r.durationS)} s.`,
    '',
  ];
  if (r.overhead) lines.push(...overheadTable(r.overhead), '');
  if (r.concurrency) lines.push(...concurrencyTable(r.concurrency, r.serverKnobs), '');
  if (r.crash) lines.push(...crashTable(r.crash), '');
  if (r.prompt) lines.push(...promptTable(r.prompt), '');
  if (r.overhead) lines.push(...historyTable(r.overhead), '');
  if (r.serverKnobs) lines.push(...knobsTable(r.serverKnobs, r.overhead), '');
  if (r.api) lines.push(...apiTable(r.api), '');
  if (r.tokens) lines.push(...tokensTable(r.tokens), '');
  for (const e of r.errors) lines.push(`**${e.phase} failed:** ${e.message}`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
