/**
 * The reference design of token streaming on Temporal, for the token phase (h) to measure beside ours: Temporal's
 * own `@temporalio/workflow-streams`. The workflow hosts the stream (a log fed by a signal per batch, read by
 * subscribers through a polling update); the one model call publishes each piece of text into it from the
 * activity, batched. Same model call, same mock scenario as the agentWorkflow runs it is compared with.
 */
import { proxyActivities } from '@temporalio/workflow';
import { WorkflowStream } from '@temporalio/workflow-streams/workflow';
import type { WorkflowStreamsActivities, StreamedCallInput } from './activities';

const { streamedModelCall } = proxyActivities<WorkflowStreamsActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** One streamed model call. With `publish`, its pieces go through the workflow stream; without, nowhere. */
export async function workflowStreamsModelWorkflow(input: StreamedCallInput): Promise<{ text: string }> {
  // Registers the stream's signal, update and query handlers; a run that publishes nothing still has them.
  new WorkflowStream();
  return streamedModelCall(input);
}
