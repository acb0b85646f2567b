/**
 * The Temporal errors a client call can surface as they are (an unknown workflow id, an id already in use, a
 * namespace that does not exist, a refused or failed gRPC request), re-exported so callers, agentctl among them,
 * can tell them apart without depending on @temporalio/client themselves.
 */
export {
  isGrpcServiceError,
  NamespaceNotFoundError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
export type { WorkflowExecutionDescription } from '@temporalio/client';
