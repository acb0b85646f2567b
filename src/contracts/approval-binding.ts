/**
 * What an approval decision is bound to: one namespace, one workflow id, one run of it, one approval id and a
 * digest of exactly what the person was shown. Approval ids repeat (`step-1-call-1` in every run, after every
 * fork, in every branch of a parallel node), so the id alone never says which call a decision approves.
 * Pure: shared by the workflow (which shows and re-checks), the worker (which verifies the signature) and the
 * client (which signs).
 */
import { z } from 'zod';
import { sha256Hex } from './sha256';

/** Bumped if the digested fields ever change, so an old digest cannot match a new layout. */
const DIGEST_VERSION = 'durable-agents.approval-content.v1';

/** The fields of a pending approval a person reads before deciding. */
export interface ShownApproval {
  /** What waits: `tool write_file`, or a gate's text. */
  what: string;
  why: string;
  /** The proposed tool arguments as JSON text, or the gate's content. */
  proposed: string;
}

/** Hex SHA-256 over what a person is shown of an approval: its `what`, `why` and `proposed` text. */
export function approvalDigest(shown: ShownApproval): string {
  return sha256Hex(JSON.stringify([DIGEST_VERSION, shown.what, shown.why, shown.proposed]));
}

export const approvalBindingSchema = z
  .object({
    namespace: z.string().min(1),
    workflowId: z.string().min(1),
    runId: z.string().min(1),
    approvalId: z.string().min(1),
    digest: z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256 digest'),
  })
  .strict();

/** The one approval, in one run, that a decision was made for. */
export type ApprovalBinding = z.infer<typeof approvalBindingSchema>;

/**
 * The id a descendant run's workflow id takes inside an ancestor's ids: the part after `<ancestor>/` when it
 * nests (graph children are `<graph>/<node>-<step>`), else the whole id. The parent prefixes surfaced
 * approval ids with it, and the child computes the same to recognise its own approval exactly.
 */
export function relativeRunId(ancestorWorkflowId: string, workflowId: string): string {
  const own = `${ancestorWorkflowId}/`;
  return workflowId.startsWith(own) ? workflowId.slice(own.length) : workflowId;
}

/** Why a binding does not name `expected`, in words a person can act on; undefined when it does. */
export function bindingMismatch(given: ApprovalBinding, expected: ApprovalBinding): string | undefined {
  if (given.namespace !== expected.namespace)
    return `decision was made in namespace ${given.namespace}, not ${expected.namespace}`;
  if (given.workflowId !== expected.workflowId)
    return `decision was made for workflow ${given.workflowId}, not ${expected.workflowId}`;
  if (given.runId !== expected.runId)
    return (
      `decision was made for run ${given.runId} of ${given.workflowId}; this is run ${expected.runId} ` +
      '(a new run or a fork): decide again on what this run shows'
    );
  if (given.approvalId !== expected.approvalId)
    return `decision was made for approval ${given.approvalId}, not ${expected.approvalId}`;
  if (given.digest !== expected.digest)
    return `decision was made for different content than approval ${expected.approvalId} shows: decide again on what it shows`;
  return undefined;
}
