/**
 * Replay of recorded runs from the client side: what a recorded run was started with (so a replay starts the
 * same input, a variant applied), where its recording is (the run itself, by ids, or the exchanges of a saved
 * history file, carried in the replay run's input), and the report of a replay run once it ended (per step
 * replayed or live, requests made, cost, money saved). The matching itself happens in the worker's model activity.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { AGENT_WORKFLOW_TYPE, type AgentInput, type AgentResult, type StepRecord } from '../contracts/agent-contract';
import { UserError } from '../contracts/errors';
import {
  MAX_INPUT_EXCHANGE_BYTES,
  replaySourceSchema,
  type ReplaySource,
  type ReplayTotals,
} from '../contracts/evals/replay';
import { RecordingReader, readRecording, type DecodePayloads } from '../contracts/evals/replay-history';
import { WorkflowNotFoundError } from './temporal-errors';
import type { RunOutcome } from './outcome';

/** A recording that cannot be replayed (unknown run, not an agent run, a malformed file); printed as one line. */
export class ReplaySourceError extends UserError {}

/** Largest saved history file read (Temporal's own history limit is 50 MB). */
const MAX_HISTORY_FILE_BYTES = 64 * 1024 * 1024;

/** A recorded run, ready to replay. */
export interface RecordedSource {
  /** How the report names it: the workflow id, or the file's name. */
  label: string;
  kind: 'run' | 'file';
  recordedWorkflowId?: string;
  recordedRunId?: string;
  /** The input the recorded run ran with (a run that named its agent only: with the spec it resolved). */
  input: AgentInput;
  /** What the replay run's `replay` field says. */
  replay: ReplaySource;
  /** Exchanges a file gave (a recorded run's are read by the worker). */
  exchanges?: number;
  /** Things a person should know (a truncated recording, a continued run). */
  notes: string[];
}

const decoderOf =
  (client: Client): DecodePayloads =>
  (payloads) =>
    decodeFromPayloadsAtIndex(client.options.loadedDataConverter, 0, payloads);

/** The input to replay: what the run ran with, without what belonged to that run only. */
function replayableInput(label: string, raw: unknown): AgentInput {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ReplaySourceError(`${label}: the recorded run's input is not an agent input`);
  }
  const { replay: _replay, carryOver: _carryOver, ...input } = raw as AgentInput & { carryOver?: unknown };
  return input as AgentInput;
}

/** A recorded run in Temporal (`workflowId`, its latest run unless `runId`): its input; the worker reads the rest. */
export async function recordedRun(client: Client, workflowId: string, runId?: string): Promise<RecordedSource> {
  const idProblem = replaySourceSchema.safeParse({
    recordedWorkflowId: workflowId,
    ...(runId ? { recordedRunId: runId } : {}),
  });
  if (!idProblem.success) {
    throw new ReplaySourceError(`${workflowId}: ${idProblem.error.issues.map((i) => i.message).join('; ')}`);
  }
  let description;
  try {
    description = await client.workflow.getHandle(workflowId, runId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new ReplaySourceError(`${workflowId}: no such run in namespace ${client.options.namespace}`);
    }
    throw err;
  }
  if (description.type !== AGENT_WORKFLOW_TYPE) {
    throw new ReplaySourceError(`${workflowId}: not an ${AGENT_WORKFLOW_TYPE} run (its type is ${description.type})`);
  }
  const notes: string[] = [];
  let run = await startOf(client, workflowId, description.runId);
  let recordedRunId = description.runId;
  // A run continued as new starts mid-conversation; its chain's first run is what can be replayed from the start.
  const first = run.firstExecutionRunId;
  if ((run.input as { carryOver?: unknown } | undefined)?.carryOver && first && first !== recordedRunId) {
    notes.push(`continued as new: replaying its first run ${first}; steps of later runs go live`);
    recordedRunId = first;
    run = await startOf(client, workflowId, first);
  }
  return {
    label: workflowId,
    kind: 'run',
    recordedWorkflowId: workflowId,
    recordedRunId,
    input: replayableInput(workflowId, run.resolvedInput ?? run.input),
    replay: { recordedWorkflowId: workflowId, recordedRunId },
    notes,
  };
}

/** The start of a run's history: its input, and the spec it resolved when it named its agent only. */
async function startOf(client: Client, workflowId: string, runId: string) {
  // No exchanges are kept: reading stops at the first completed model call, after any spec resolution.
  const reader = new RecordingReader(decoderOf(client), { maxExchanges: 0 });
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 100,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    await reader.add(page.history?.events ?? []);
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken && !reader.full);
  return reader.result();
}

/** What a saved history file must look like before it is read as one (the JSON `temporal workflow show` prints). */
const historyFileSchema = z.object({
  events: z
    .array(
      z
        .object({
          eventId: z.union([z.string(), z.number()]),
          eventType: z.union([z.string(), z.number()]),
        })
        .passthrough(),
    )
    .min(1, 'no events'),
});

/** A saved history file: its recorded input and exchanges (bounded), carried in the replay run's input. */
export async function recordingFromHistoryFile(client: Client, file: string): Promise<RecordedSource> {
  const label = path.basename(file);
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new ReplaySourceError(`${file}: not a file`);
    if (stat.size > MAX_HISTORY_FILE_BYTES) {
      throw new ReplaySourceError(`${file}: ${stat.size} bytes, more than a history file may have (64 MB)`);
    }
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ReplaySourceError) throw err;
    throw new ReplaySourceError(`${file}: cannot read it (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ReplaySourceError(`${file}: not JSON (${(err as Error).message})`);
  }
  const shape = historyFileSchema.safeParse(raw);
  if (!shape.success) {
    const problems = shape.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ReplaySourceError(`${file}: not a saved Temporal history (${problems.slice(0, 3).join('; ')})`);
  }
  let history: temporal.api.history.v1.IHistory;
  try {
    history = historyFromJSON(shape.data);
  } catch (err) {
    throw new ReplaySourceError(`${file}: not a saved Temporal history (${(err as Error).message})`);
  }
  let run;
  try {
    run = await readRecording(history.events ?? [], decoderOf(client), { maxBytes: MAX_INPUT_EXCHANGE_BYTES });
  } catch (err) {
    throw new ReplaySourceError(`${file}: cannot decode its payloads (${(err as Error).message})`);
  }
  if (run.workflowType !== AGENT_WORKFLOW_TYPE) {
    throw new ReplaySourceError(
      `${file}: not the history of an ${AGENT_WORKFLOW_TYPE} run (its type is ${run.workflowType ?? 'missing'})`,
    );
  }
  if ((run.input as { carryOver?: unknown } | undefined)?.carryOver) {
    throw new ReplaySourceError(
      `${file}: the history of a run continued from an earlier one (its input carries carryOver); save the first run's history`,
    );
  }
  const notes: string[] = [];
  if (run.truncated) {
    notes.push(`only the first ${run.exchanges.length} model calls fit in a run input; later calls go live`);
  }
  if (run.unusable) notes.push(`${run.unusable} recorded model call(s) had no usable answer`);
  const replay = replaySourceSchema.safeParse({ label, exchanges: run.exchanges });
  if (!replay.success) {
    throw new ReplaySourceError(`${file}: its recorded exchanges are malformed (${replay.error.issues[0]?.message})`);
  }
  return {
    label,
    kind: 'file',
    input: replayableInput(file, run.resolvedInput ?? run.input),
    replay: replay.data,
    exchanges: run.exchanges.length,
    notes,
  };
}

/** One step of a replay run as the report shows it. */
export interface ReplayStepReport {
  step: number;
  kind: 'model' | 'tool';
  name: string;
  status: StepRecord['status'];
  /** Model steps: answered from the recording or by the model. */
  mode?: 'replayed' | 'live';
  tokens?: number;
  costUsd?: number;
  savedUsd?: number;
  summary: string;
}

/** One replay run, as agentctl prints it and writes `replay-<id>.json`. */
export interface ReplayRunReport {
  source: string;
  kind: 'run' | 'file';
  recordedWorkflowId?: string;
  recordedRunId?: string;
  /** The replay run. */
  workflowId: string;
  status: string;
  error?: string;
  text?: string;
  modelCalls: number;
  replayed: number;
  /** Model requests the replay run made (its live calls). */
  requests: number;
  costUsd: number;
  savedUsd: number;
  notes: string[];
  steps: ReplayStepReport[];
}

function stepReport(s: StepRecord): ReplayStepReport {
  return {
    step: s.step,
    kind: s.kind,
    name: s.name,
    status: s.status,
    ...(s.kind === 'model' && s.replayed !== undefined ? { mode: s.replayed ? 'replayed' : 'live' } : {}),
    ...(s.usage ? { tokens: s.usage.inputTokens + s.usage.outputTokens } : {}),
    ...(s.costUsd !== undefined ? { costUsd: s.costUsd } : {}),
    ...(s.savedUsd !== undefined ? { savedUsd: s.savedUsd } : {}),
    summary: s.summary,
  };
}

/**
 * The report of a replay run that ended: from its result, or for a failed run from the state its failure carried
 * (`partial`, when the caller could read it).
 */
export function replayReport(
  source: RecordedSource,
  workflowId: string,
  outcome: RunOutcome,
  partial?: { steps?: StepRecord[]; replay?: ReplayTotals; cost?: { totalUsd: number }; modelCalls?: number },
): ReplayRunReport {
  const result = outcome.outcome === 'completed' ? (outcome.result as AgentResult) : undefined;
  const facts = result ?? partial ?? {};
  const totals = facts.replay;
  return {
    source: source.label,
    kind: source.kind,
    ...(source.recordedWorkflowId ? { recordedWorkflowId: source.recordedWorkflowId } : {}),
    ...(source.recordedRunId ? { recordedRunId: source.recordedRunId } : {}),
    workflowId,
    status: outcome.status,
    ...(outcome.outcome !== 'completed' ? { error: outcome.error.message } : {}),
    ...(result ? { text: result.text } : {}),
    modelCalls: facts.modelCalls ?? 0,
    replayed: totals?.replayed ?? 0,
    requests: totals?.live ?? 0,
    costUsd: facts.cost?.totalUsd ?? 0,
    savedUsd: totals?.savedUsd ?? 0,
    notes: source.notes,
    steps: (facts.steps ?? []).map(stepReport),
  };
}
