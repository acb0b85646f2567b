/**
 * d. Prompt overhead: what each mode actually sent the model, read off the wire by a recording proxy in front of the
 * mock, against the minimal prompt of the same step (instructions, history so far, tool schemas) built from the spec
 * alone. Measured two ways: the prompt text a model reads (contents, tool calls, tool schemas; 4 characters a token,
 * as the mock counts) and the whole HTTP body.
 */
import { startBodyProxy, type RecordedRequest } from '../body-proxy';
import type { BenchEnv } from '../env';
import type { BenchOptions } from '../options';
import { createInProcessRunner, runDurable, runHandWritten, type Mode, type RunOutcome } from '../runners';
import { estimateTokens, minimalRequestBody, promptText } from '../scenario';
import { round, within } from '../stats';
import { OVERHEAD_SCENARIO } from './overhead';

export interface PromptRow {
  mode: Mode;
  requests: number;
  sentTokensPerStep: number;
  minimalTokensPerStep: number;
  /** (sent − minimal) / minimal of the prompt text, in percent. */
  overheadPct: number;
  sentBodyBytesPerStep: number;
  minimalBodyBytesPerStep: number;
  bodyOverheadPct: number;
  /** Input tokens the provider reported (the mock: the whole body at 4 characters a token), per step. */
  reportedInputTokensPerStep: number;
  /** Steps whose prompt text differs from the minimal one at all. */
  stepsDifferingFromMinimal: number;
}

export interface PromptResult {
  steps: number;
  rows: PromptRow[];
}

const TASK_QUEUE = 'bench-prompt';

interface WireBody {
  model?: string;
  messages?: { role?: string }[];
  tools?: unknown[];
}

function measure(mode: Mode, runId: string, requests: RecordedRequest[], outcome: RunOutcome): PromptRow {
  let sent = 0;
  let minimal = 0;
  let sentBody = 0;
  let minimalBody = 0;
  let differing = 0;
  for (const request of requests) {
    const body = JSON.parse(request.body) as WireBody;
    const turn = (body.messages ?? []).filter((m) => m.role === 'assistant').length;
    const expected = minimalRequestBody(body.model ?? '', runId, turn);
    const sentText = promptText(body as Parameters<typeof promptText>[0]);
    const minimalText = promptText(expected as Parameters<typeof promptText>[0]);
    sent += estimateTokens(sentText.length);
    minimal += estimateTokens(minimalText.length);
    sentBody += Buffer.byteLength(request.body);
    minimalBody += Buffer.byteLength(JSON.stringify(expected));
    if (sentText !== minimalText) differing += 1;
  }
  const n = requests.length;
  return {
    mode,
    requests: n,
    sentTokensPerStep: Math.round(sent / n),
    minimalTokensPerStep: Math.round(minimal / n),
    overheadPct: round(((sent - minimal) / minimal) * 100, 1),
    sentBodyBytesPerStep: Math.round(sentBody / n),
    minimalBodyBytesPerStep: Math.round(minimalBody / n),
    bodyOverheadPct: round(((sentBody - minimalBody) / minimalBody) * 100, 1),
    reportedInputTokensPerStep: Math.round(outcome.inputTokens / n),
    stepsDifferingFromMinimal: differing,
  };
}

export async function promptPhase(
  env: BenchEnv,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<PromptResult> {
  const { steps } = options;
  log('d. prompt overhead: one run per mode through a recording proxy...');
  const proxy = await startBodyProxy(env.mock.url);
  const worker = await env.startWorker({ taskQueue: TASK_QUEUE, tuning: options.tuning, mockUrl: proxy.url });
  const model = `mock:${OVERHEAD_SCENARIO}`;
  const completions = (): RecordedRequest[] => proxy.requests.filter((r) => r.path.endsWith('/chat/completions'));
  try {
    const rows: PromptRow[] = [];
    const inProcess = createInProcessRunner(proxy.url, env.workspaceDir);
    const modes: Array<[Mode, (runId: string) => Promise<RunOutcome>]> = [
      ['durable-agents', (runId) => runDurable(env.client, TASK_QUEUE, model, runId, steps)],
      ['hand-written', (runId) => runHandWritten(env.client, TASK_QUEUE, model, runId, steps)],
      ['in-process', (runId) => inProcess(model, runId, steps)],
    ];
    for (const [mode, run] of modes) {
      proxy.clear();
      const runId = `prompt-${mode}`;
      const outcome = await within(run(runId), 120_000, `the ${mode} prompt run`);
      rows.push(measure(mode, runId, completions(), outcome));
    }
    return { steps, rows };
  } finally {
    await worker.stop();
    await proxy.close();
  }
}
