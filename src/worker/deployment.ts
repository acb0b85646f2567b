/**
 * Worker Deployment Versioning (Temporal Server 1.28+, on by default in 1.29): a worker registers the version of
 * the code it runs, a deployment name plus a build id. With the PINNED default a run stays on the version that
 * started it until it ends, so a change to workflow code needs no `patched()` for runs already going; new runs go
 * to the deployment's current version once an operator sets it (`temporal worker deployment set-current-version`).
 * AUTO_UPGRADE runs move to the current version at their next workflow task, so their changes still need patches.
 */
import type { WorkerOptions } from '@temporalio/worker';

/** The Worker Deployment Version a worker registers, and how its workflows follow new versions. */
export interface WorkerDeploymentSettings {
  /** The deployment: one name for every version of this service (e.g. `durable-agents`). */
  deploymentName: string;
  /** This build of the code (e.g. the image tag or git commit); every worker of one build shares it. */
  buildId: string;
  /**
   * PINNED (default): a run finishes on the version it started on; AUTO_UPGRADE: it moves to the current version
   * at its next workflow task.
   */
  defaultVersioningBehavior?: 'PINNED' | 'AUTO_UPGRADE';
}

/** The SDK's `workerDeploymentOptions` for these settings, with Worker Versioning turned on. */
export function workerDeploymentOptions(
  settings: WorkerDeploymentSettings,
): NonNullable<WorkerOptions['workerDeploymentOptions']> {
  return {
    version: { deploymentName: settings.deploymentName, buildId: settings.buildId },
    useWorkerVersioning: true,
    defaultVersioningBehavior: settings.defaultVersioningBehavior ?? 'PINNED',
  };
}
