/** Workflow entry point bundled by the worker: every workflow type the worker registers. */
export { agentWorkflow } from './agent';
