/**
 * The sales follow-up written by hand as an ordinary Temporal workflow, code first, with the same building
 * blocks `graphWorkflow` uses. Five steps, a model at two of them: read the CRM notes (tool), summarize the
 * buyer's signals (model), draft the email (model), wait for a person (approval), update the CRM (tool).
 */
import { defineQuery, setHandler } from '@temporalio/workflow';
import { approveSignal, decideUpdate, rejectSignal, type PendingApproval } from '../../contracts/agent-contract';
import { approvalGate, callModelOnce, createApprovalGates, runTool } from '../blocks';

export interface SalesFollowUpInput {
  accountId: string;
  /** Model for the two writing steps, e.g. `openai:gpt-4o-mini` or `mock:graph-sales-follow-up`. */
  model: string;
}

export interface SalesFollowUpResult {
  status: 'sent' | 'rejected';
  signals: unknown;
  email: unknown;
  crmUpdate?: string;
}

/** What the run waits for, for `agentctl status` and the stock `temporal workflow query --name state`. */
export const salesFollowUpStateQuery = defineQuery<{ step: string; pendingApprovals: PendingApproval[] }>('state');

export async function salesFollowUpWorkflow(input: SalesFollowUpInput): Promise<SalesFollowUpResult> {
  const pendingApprovals: PendingApproval[] = [];
  const gates = createApprovalGates({ pendingApprovals, setStatus: () => undefined });
  setHandler(approveSignal, (d) => gates.onApprove(d));
  setHandler(rejectSignal, (d) => gates.onReject(d));
  setHandler(decideUpdate, (d) => gates.onDecide(d), { validator: (d) => gates.validateDecide(d) });
  let step = 'read notes';
  setHandler(salesFollowUpStateQuery, () => ({ step, pendingApprovals: gates.allPending() }));

  const notes = await runTool('crm_read_notes', { accountId: input.accountId }, { callId: 'read-notes' });
  step = 'summarize signals';
  const signals = await callModelOnce({
    model: input.model,
    system: '[signals] Summarize the buyer signals in these CRM notes.',
    input: notes,
    outputSchema: {
      type: 'object',
      properties: { signals: { type: 'array', items: { type: 'string' } }, stage: { type: 'string' } },
      required: ['signals', 'stage'],
    },
    summary: 'summarize buyer signals',
  });
  step = 'draft email';
  const email = await callModelOnce({
    model: input.model,
    system: '[email] Draft a short follow-up email from these buyer signals.',
    input: JSON.stringify(signals.output),
    outputSchema: {
      type: 'object',
      properties: { subject: { type: 'string' }, body: { type: 'string' } },
      required: ['subject', 'body'],
    },
    summary: 'draft follow-up email',
  });
  step = 'await approval';
  const decision = await approvalGate(gates, {
    approvalId: 'send-email',
    what: `send follow-up email to ${input.accountId}`,
    why: 'emails to customers need a person',
    proposed: JSON.stringify(email.output),
    requestedAt: new Date().toISOString(),
  });
  if (decision.decision === 'rejected') return { status: 'rejected', signals: signals.output, email: email.output };
  step = 'update CRM';
  const crmUpdate = await runTool(
    'crm_update_record',
    { accountId: input.accountId, fields: { lastFollowUp: email.output, stage: 'follow-up sent' } },
    { callId: 'update-record' },
  );
  return { status: 'sent', signals: signals.output, email: email.output, crmUpdate };
}
