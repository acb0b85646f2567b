/**
 * The recording-backed model provider: given a replay run's model request (its whole conversation resolved), it
 * answers from the recording of the replayed run when the request hashes the same as one recorded, and otherwise
 * says "not recorded", so the model activity calls the real provider.
 *
 * Where recordings come from, read once per replay run and worker process, then cached for the run's later calls:
 * - a recorded run, by ids: its Temporal history through the worker's own client, decoded with the worker's data
 *   converter (codecs included), conversation-by-reference requests rebuilt from the same history;
 * - the exchanges a saved history file gave (agentctl put them in the replay run's input): the replay run's own
 *   first history event.
 * The cache is bounded in recordings and in bytes per recording; a replay run evicted from it reads its recording
 * again on its next call.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { AGENT_WORKFLOW_TYPE } from '../../contracts/agent-contract';
import { ErrorType } from '../../contracts/errors';
import type { Message, ModelReplayRef, ModelRequest, ModelResponse } from '../../contracts/messages';
import { modelRequestHash, replaySourceSchema, type RecordedExchange } from '../../contracts/evals/replay';
import { RecordingReader, type DecodePayloads } from '../../contracts/evals/replay-history';

/** Recordings kept per worker process (one per replay run in progress, roughly). */
const MAX_RECORDINGS = 16;
/** Bytes of recorded responses kept per recording; calls past it go live. */
const MAX_RECORDING_BYTES = 8_000_000;
/** History events asked for per page. */
const PAGE_SIZE = 500;

/** One recording as the provider holds it: each request hash and its first recorded answer. */
interface Recording {
  source: string;
  answers: Map<string, RecordedExchange>;
}

export interface ReplayProvider {
  /**
   * The recorded answer to `request` (whose whole conversation is `messages`), marked `replayed`, or undefined
   * when the recording holds no request like it. Fails non-retryably when the recording cannot be read at all.
   */
  answer(request: ModelRequest, messages: Message[]): Promise<ModelResponse | undefined>;
}

function notFound(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ErrorType.ReplaySourceNotFound, message, nonRetryable: true });
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ErrorType.ReplaySourceInvalid, message, nonRetryable: true });
}

function decoderOf(client: Client): DecodePayloads {
  return (payloads) => decodeFromPayloadsAtIndex(client.options.loadedDataConverter, 0, payloads);
}

function answersOf(exchanges: RecordedExchange[]): Map<string, RecordedExchange> {
  const answers = new Map<string, RecordedExchange>();
  // The same request asked twice in the recording got the first answer the first time: that one is kept.
  for (const e of exchanges) if (!answers.has(e.hash)) answers.set(e.hash, e);
  return answers;
}

/** Reads a recorded agent run's history page by page into a recording. */
async function readRecordedRun(
  client: Client,
  ref: { recordedWorkflowId: string; recordedRunId?: string },
): Promise<Recording> {
  const { recordedWorkflowId: workflowId } = ref;
  let description;
  try {
    description = await client.workflow.getHandle(workflowId, ref.recordedRunId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw notFound(
        `replay: no recorded run ${workflowId}${ref.recordedRunId ? ` (run ${ref.recordedRunId})` : ''} in namespace ${client.options.namespace}`,
      );
    }
    throw err;
  }
  if (description.type !== AGENT_WORKFLOW_TYPE) {
    throw invalid(`replay: ${workflowId} is not an ${AGENT_WORKFLOW_TYPE} run (its type is ${description.type})`);
  }
  const reader = new RecordingReader(decoderOf(client), { maxBytes: MAX_RECORDING_BYTES });
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId: description.runId },
      maximumPageSize: PAGE_SIZE,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    await reader.add(page.history?.events ?? []);
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    Context.current().heartbeat();
  } while (nextPageToken && !reader.full);
  const run = reader.result();
  log.info('replay recording read', {
    recordedWorkflowId: workflowId,
    recordedRunId: description.runId,
    exchanges: run.exchanges.length,
    modelCalls: run.modelCalls,
    unusable: run.unusable,
    truncated: run.truncated,
  });
  return { source: `${workflowId}/${description.runId}`, answers: answersOf(run.exchanges) };
}

/** The exchanges a saved history gave, from the replay run's own input (its first history event). */
async function readOwnInput(client: Client, run: { workflowId: string; runId: string }): Promise<Recording> {
  const page = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: run,
    maximumPageSize: 1,
  });
  const payloads = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  const input = payloads?.length ? await decoderOf(client)(payloads) : undefined;
  const parsed = replaySourceSchema.safeParse((input as { replay?: unknown } | undefined)?.replay);
  if (!parsed.success || !('exchanges' in parsed.data)) {
    throw invalid(`replay: the input of run ${run.workflowId} carries no recorded exchanges`);
  }
  return { source: parsed.data.label ?? 'recorded exchanges', answers: answersOf(parsed.data.exchanges) };
}

/** The recording-backed provider, with its own bounded cache (one per set of model activities). */
export function createReplayProvider(options: { maxRecordings?: number } = {}): ReplayProvider {
  const maxRecordings = options.maxRecordings ?? MAX_RECORDINGS;
  const cache = new Map<string, Promise<Recording>>();

  function recordingFor(ref: ModelReplayRef): Promise<Recording> {
    const ctx = Context.current();
    const client = ctx.client;
    const own = ctx.info.workflowExecution;
    if ('fromRunInput' in ref && !own) throw invalid('replay: recorded exchanges are read from a workflow run only');
    const key =
      'fromRunInput' in ref
        ? `${ctx.info.namespace}\u0000input\u0000${own?.workflowId}\u0000${own?.runId}`
        : // Without a run id "the latest run" may change: such a recording is kept for one replay run only.
          `${ctx.info.namespace}\u0000run\u0000${ref.recordedWorkflowId}\u0000${ref.recordedRunId ?? `latest\u0000${own?.runId}`}`;
    const cached = cache.get(key);
    if (cached) {
      // Most recently used last, so the oldest is evicted first.
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    const loading =
      'fromRunInput' in ref
        ? readOwnInput(client, own as { workflowId: string; runId: string })
        : readRecordedRun(client, ref);
    // A failed read is not cached: the next attempt reads again (a typed refusal fails the call for good anyway).
    loading.catch(() => cache.delete(key));
    cache.set(key, loading);
    while (cache.size > maxRecordings) cache.delete(cache.keys().next().value as string);
    return loading;
  }

  return {
    async answer(request, messages) {
      if (!request.replay) return undefined;
      const recording = await recordingFor(request.replay);
      const hash = modelRequestHash({
        model: request.model,
        system: request.system,
        messages,
        tools: request.tools,
        ...(request.outputSchema ? { outputSchema: request.outputSchema } : {}),
        ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      });
      const recorded = recording.answers.get(hash);
      if (!recorded) {
        log.info('replay: request differs from the recording; calling the model', {
          model: request.model,
          source: recording.source,
        });
        return undefined;
      }
      log.info('replay: answered from the recording', {
        model: request.model,
        source: recording.source,
        recordedCall: recorded.call,
      });
      return { ...recorded.response, replayed: true };
    },
  };
}
