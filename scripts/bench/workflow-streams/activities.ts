/**
 * The activity of the workflow-streams design: the same streamed call to the mock server as our model activity
 * makes (the OpenAI adapter over the real `openai` client), each piece published to the calling workflow's
 * stream with `WorkflowStreamClient.fromWithinActivity`, which batches pieces into one signal per interval.
 */
import { Context } from '@temporalio/activity';
import { WorkflowStreamClient } from '@temporalio/workflow-streams/client';
import type { ModelAdapter } from '../../../src/activities/models/types';

export interface StreamedCallInput {
  /** The scenario's provider-side model name (the mock plays the scenario of that name). */
  model: string;
  system: string;
  user: string;
  /** Publish the pieces to the workflow stream (else the call is made and its text goes nowhere). */
  publish: boolean;
  /** The stream client's batch interval (its default is 2 s). */
  batchIntervalMs: number;
}

/** What each stream item carries: where the piece starts in the answer, and the piece. */
export interface StreamedPiece {
  offset: number;
  text: string;
}

export const TOKENS_TOPIC = 'tokens';

export function createWorkflowStreamsActivities(adapter: ModelAdapter) {
  return {
    async streamedModelCall(input: StreamedCallInput): Promise<{ text: string }> {
      const context = Context.current();
      const request = {
        model: input.model,
        system: input.system,
        messages: [{ role: 'user' as const, content: input.user }],
        tools: [],
      };
      if (!input.publish) {
        const reply = await adapter.complete(request, context.cancellationSignal, undefined, () => context.heartbeat());
        return { text: reply.message.content ?? '' };
      }
      // Flushed (and its background flusher stopped) when the scope ends, before the activity returns.
      await using stream = WorkflowStreamClient.fromWithinActivity({ batchInterval: input.batchIntervalMs });
      const tokens = stream.topic<StreamedPiece>(TOKENS_TOPIC);
      let offset = 0;
      const reply = await adapter.complete(request, context.cancellationSignal, undefined, (text) => {
        tokens.publish({ offset, text });
        offset += text.length;
        context.heartbeat();
      });
      return { text: reply.message.content ?? '' };
    },
  };
}

export type WorkflowStreamsActivities = ReturnType<typeof createWorkflowStreamsActivities>;
