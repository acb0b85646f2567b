/** Workflow entry point bundled by the worker: every workflow type the worker registers. */
export { agentWorkflow } from './agent';
export { graphWorkflow } from './graph';
export { salesFollowUpWorkflow } from './examples/sales-follow-up';
