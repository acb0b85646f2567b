/**
 * AGENT_WEBHOOKS_FILE: the operator's webhook subscriptions, in JSON or YAML. Secrets are not in the file: each
 * subscription names the worker environment variable that holds its Standard Webhooks secret.
 *
 * ```yaml
 * subscriptions:
 *   - name: ops
 *     url: https://hooks.example.com/durable-agents
 *     events: [run.completed, run.failed, approval.requested]
 *     secretFromEnv: OPS_WEBHOOK_SECRET      # whsec_… (base64)
 *     agents: [file-clerk]                   # optional: only these agents' runs (graphs: […] for graphs)
 * allowHosts: [hooks.internal.example]     # optional: hosts that may resolve to private addresses
 * delivery: { maximumAttempts: 8, initialInterval: 1s, maximumInterval: 1m, timeout: 10s }
 * ```
 *
 * Runs never name a URL or a secret; they only produce the events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../contracts/errors';
import {
  parseWebhookSettings,
  webhookDeliverySettingsSchema,
  webhookFileSubscriptionSchema,
  webhookSecretSchema,
  type ValidWebhookSettings,
} from '../contracts/webhooks';
import { describeIssues } from '../contracts/zod-issues';
import { nonEmpty, type Env } from './values';

export const WEBHOOKS_FILE_VARIABLE = 'AGENT_WEBHOOKS_FILE';

const fileSchema = z
  .object({
    subscriptions: z.array(webhookFileSubscriptionSchema),
    allowHosts: z.array(z.string().min(1)).optional(),
    delivery: webhookDeliverySettingsSchema.optional(),
  })
  .strict();

/**
 * Parses the text of a webhooks file, taking each secret from `env`; `label` names the file in every error, and
 * every error names the field (`subscriptions.0.url: …`) or the variable it is about.
 */
export function parseWebhooksFile(text: string, label: string, env: Env): ValidWebhookSettings {
  let raw: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    raw = parseYaml(text);
  } catch (err) {
    throw new UserError(`${label}: not valid JSON or YAML: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${label}: ${describeIssues(parsed.error.issues, { root: '(file)' })}`);
  const subscriptions = parsed.data.subscriptions.map(({ secretFromEnv, ...sub }, i) => {
    const where = `${label}: subscriptions.${i}.secretFromEnv`;
    const secret = nonEmpty(env[secretFromEnv]);
    if (!secret) throw new UserError(`${where}: the environment variable ${secretFromEnv} is not set`);
    const checked = webhookSecretSchema.safeParse(secret);
    if (!checked.success) {
      throw new UserError(`${where}: ${secretFromEnv} is not usable: ${describeIssues(checked.error.issues)}`);
    }
    return { ...sub, secret };
  });
  return parseWebhookSettings(
    {
      subscriptions,
      ...(parsed.data.allowHosts ? { allowHosts: parsed.data.allowHosts } : {}),
      ...(parsed.data.delivery ? { delivery: parsed.data.delivery } : {}),
    },
    label,
  );
}

/** The subscriptions of AGENT_WEBHOOKS_FILE; undefined when it is unset. */
export function webhooksFromEnv(env: Env = process.env): ValidWebhookSettings | undefined {
  const file = nonEmpty(env[WEBHOOKS_FILE_VARIABLE]);
  if (!file) return undefined;
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch (err) {
    throw new UserError(`${WEBHOOKS_FILE_VARIABLE} ${resolved}: ${(err as Error).message}`);
  }
  return parseWebhooksFile(text, `${WEBHOOKS_FILE_VARIABLE} ${resolved}`, env);
}
