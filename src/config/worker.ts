/**
 * How the worker process runs on a cluster (AGENT_SHUTDOWN_GRACE_TIME and the AGENT_WORKER_* versioning settings):
 * how long in-flight activities get after SIGTERM, and which Worker Deployment Version the worker registers.
 */
import { z } from 'zod';
import { UserError } from '../contracts/errors';
import type { WorkerDeploymentSettings } from '../worker/deployment';
import { nonEmpty, type Env } from './values';

export interface WorkerProcessSettings {
  /** In-flight activities get this long to finish after SIGTERM before they are cancelled ('10s' by default). */
  shutdownGraceTime: string;
  /** Set when AGENT_WORKER_DEPLOYMENT and AGENT_WORKER_BUILD_ID are: the worker uses Worker Versioning. */
  deployment?: WorkerDeploymentSettings;
}

// Temporal's duration strings in the form the SDK's `ms` parser reads: a number and a unit.
const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'must be a duration such as 150s, 2m or 500ms');
const behavior = z.enum(['pinned', 'auto-upgrade']);
// A deployment name and build id travel to the server and appear in its UI; keep them to printable, short ids.
const versionPart = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9._:@+-]+$/, 'may hold only letters, digits and . _ : @ + -');

function parse<T>(schema: z.ZodType<T>, name: string, value: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new UserError(`${name} ${result.error.issues[0]?.message ?? 'is invalid'}, not "${value}"`);
  return result.data;
}

/** Reads AGENT_SHUTDOWN_GRACE_TIME, AGENT_WORKER_DEPLOYMENT, AGENT_WORKER_BUILD_ID and AGENT_WORKER_VERSIONING. */
export function workerProcessSettingsFromEnv(env: Env = process.env): WorkerProcessSettings {
  const grace = nonEmpty(env.AGENT_SHUTDOWN_GRACE_TIME);
  const name = nonEmpty(env.AGENT_WORKER_DEPLOYMENT);
  const buildId = nonEmpty(env.AGENT_WORKER_BUILD_ID);
  const versioning = nonEmpty(env.AGENT_WORKER_VERSIONING);
  if ((name === undefined) !== (buildId === undefined)) {
    throw new UserError('AGENT_WORKER_DEPLOYMENT and AGENT_WORKER_BUILD_ID must be set together (Worker Versioning)');
  }
  if (versioning !== undefined && name === undefined) {
    throw new UserError('AGENT_WORKER_VERSIONING needs AGENT_WORKER_DEPLOYMENT and AGENT_WORKER_BUILD_ID');
  }
  const settings: WorkerProcessSettings = {
    shutdownGraceTime: grace === undefined ? '10s' : parse(duration, 'AGENT_SHUTDOWN_GRACE_TIME', grace),
  };
  if (name !== undefined && buildId !== undefined) {
    settings.deployment = {
      deploymentName: parse(versionPart, 'AGENT_WORKER_DEPLOYMENT', name),
      buildId: parse(versionPart, 'AGENT_WORKER_BUILD_ID', buildId),
      defaultVersioningBehavior:
        parse(behavior, 'AGENT_WORKER_VERSIONING', versioning ?? 'pinned') === 'pinned' ? 'PINNED' : 'AUTO_UPGRADE',
    };
  }
  return settings;
}
