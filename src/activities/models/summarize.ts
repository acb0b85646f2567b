/**
 * The `summarizeConversation` activity: a model call that condenses the older part of a conversation, so an
 * agent using the `summarize` context strategy keeps what it learned when old messages must go.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import {
  SUMMARIZER_INSTRUCTIONS,
  transcriptOf,
  type SummarizeInput,
  type SummarizeOutput,
} from '../../contracts/context-window';
import { ErrorType } from '../../contracts/errors';
import { toApplicationFailure } from './errors';
import { defaultPrices } from '../../contracts/pricing';
import { conversationOf, requirePriceFor, resolveAdapter, type ModelActivityDeps } from './resolve';

export function createSummarizeActivity(deps: ModelActivityDeps) {
  return {
    async summarizeConversation(input: SummarizeInput): Promise<SummarizeOutput> {
      const ctx = Context.current();
      const { id, adapter } = resolveAdapter(deps, input.model);
      requirePriceFor(deps, { ...defaultPrices, ...deps.prices }, input);
      const all = await conversationOf(deps, input);
      const part = all.slice(input.from, input.to);
      if (part.length === 0 || input.to > all.length) {
        throw ApplicationFailure.create({
          type: ErrorType.InvalidRequest,
          message: `summarize ${input.from}..${input.to}: the conversation has ${all.length} messages`,
          nonRetryable: true,
        });
      }
      try {
        const response = await adapter.complete(
          {
            model: id.model,
            system: SUMMARIZER_INSTRUCTIONS,
            messages: [{ role: 'user', content: `Transcript to summarize:\n\n${transcriptOf(part)}` }],
            tools: [],
            ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}),
          },
          ctx.cancellationSignal,
        );
        log.info('conversation summarized', {
          model: input.model,
          messages: part.length,
          inputTokens: response.usage.inputTokens,
          outputTokens: response.usage.outputTokens,
        });
        return { summary: response.message.content, usage: response.usage, count: part.length };
      } catch (err) {
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
        throw toApplicationFailure(err, id.provider, id.model);
      }
    },
  };
}
