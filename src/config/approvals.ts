/** The approval signing secret from the environment; the worker verifies decisions with it, agentctl signs them. */
import { UserError } from '../contracts/errors';
import { nonEmpty, type Env } from './values';

/** A secret shorter than this is too easy to guess for an HMAC key. */
const MIN_APPROVAL_SECRET = 16;

/** AGENT_APPROVAL_SECRET: the worker verifies decisions with it, agentctl signs them with it. */
export function approvalSecretFromEnv(env: Env = process.env): string | undefined {
  const secret = nonEmpty(env.AGENT_APPROVAL_SECRET);
  if (secret !== undefined && secret.length < MIN_APPROVAL_SECRET) {
    throw new UserError(`AGENT_APPROVAL_SECRET must be at least ${MIN_APPROVAL_SECRET} characters`);
  }
  return secret;
}
