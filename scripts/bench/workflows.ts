/** Workflow entry point of the bench workers: durable-agents' workflows and the hand-written baseline, one bundle. */
export * from '../../src/workflows';
export { baselineAgentWorkflow } from './baseline-workflows';
