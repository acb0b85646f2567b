/** Workflow entry point bundled by the worker: every workflow type the worker registers. */
export { agentWorkflow } from './agent/workflow';
export { graphWorkflow } from './graph/workflow';
export { salesFollowUpWorkflow } from './examples/sales-follow-up';
export { evalWorkflow } from './eval/workflow';
export { evalScheduleWorkflow, agentScoreRecordWorkflow } from './eval/schedule';
