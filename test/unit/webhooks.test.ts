/**
 * Webhook settings as the operator writes them (AGENT_WEBHOOKS_FILE, createAgentWorker's option), the webhook-id
 * every retry of one event shares, and which runs a subscription's filter takes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWebhooksFile } from '../../src/config/webhooks';
import {
  parseWebhookSettings,
  subscriptionMatches,
  webhookMessageId,
  type WebhookSubscription,
} from '../../src/contracts/webhooks';

const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const env = { OPS_SECRET: secret };
const label = 'AGENT_WEBHOOKS_FILE hooks.yaml';

const file = (subscription: string, rest = '') => `subscriptions:\n  - ${subscription}\n${rest}`;
const good =
  'name: ops\n    url: https://hooks.example.com/a\n    events: [run.completed]\n    secretFromEnv: OPS_SECRET';

function problem(text: string, environment: Record<string, string | undefined> = env): string {
  try {
    parseWebhooksFile(text, label, environment);
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail('the file should have been refused');
}

describe('webhooks file', () => {
  it('reads subscriptions, takes each secret from the variable it names, and fills in the delivery defaults', () => {
    const settings = parseWebhooksFile(
      file(`${good}\n    agents: [file-clerk]`, 'allowHosts: [127.0.0.1]\ndelivery: { maximumAttempts: 3 }\n'),
      label,
      env,
    );
    assert.equal(settings.subscriptions.length, 1);
    assert.equal(settings.subscriptions[0]?.secret, secret);
    assert.deepEqual(settings.subscriptions[0]?.agents, ['file-clerk']);
    assert.deepEqual(settings.allowHosts, ['127.0.0.1']);
    assert.deepEqual(settings.delivery, {
      maximumAttempts: 3,
      initialInterval: '1s',
      maximumInterval: '1m',
      timeout: '10s',
    });
    // JSON is YAML too.
    const json = parseWebhooksFile(
      JSON.stringify({
        subscriptions: [{ name: 'j', url: 'http://x.example/h', events: ['run.failed'], secretFromEnv: 'OPS_SECRET' }],
      }),
      label,
      env,
    );
    assert.equal(json.subscriptions[0]?.name, 'j');
  });

  it('names the field of every mistake, and the file', () => {
    assert.match(
      problem(file(good.replace('https://hooks.example.com/a', 'not a url'))),
      /hooks\.yaml: subscriptions\.0\.url/,
    );
    assert.match(
      problem(file(good.replace('ftp://', '').replace('https://', 'ftp://'))),
      /subscriptions\.0\.url: an http or https URL/,
    );
    assert.match(
      problem(file(good.replace('https://', 'https://user:pw@'))),
      /subscriptions\.0\.url: no user name or password/,
    );
    assert.match(problem(file(good.replace('[run.completed]', '[run.exploded]'))), /subscriptions\.0\.events\.0/);
    assert.match(problem(file(good.replace('[run.completed]', '[]'))), /subscriptions\.0\.events/);
    assert.match(problem(file(`${good}\n    secret: whsec_inline`)), /subscriptions\.0: Unrecognized key: "secret"/);
    assert.match(problem(file(good.replace('name: ops', 'name: 9ops'))), /subscriptions\.0\.name/);
    assert.match(problem(file(good, 'delivery: { maximumAttempts: 0 }\n')), /delivery\.maximumAttempts/);
    assert.match(problem(file(good, 'delivery: { timeout: soon }\n')), /delivery\.timeout: a duration/);
    assert.match(problem(file(good, 'extra: 1\n')), /Unrecognized key: "extra"/);
    assert.match(
      problem(`subscriptions:\n  - ${good}\n  - ${good}\n`),
      /subscriptions\.1\.name: "ops" is declared twice/,
    );
    assert.match(problem('subscriptions: [\n'), /hooks\.yaml: not valid JSON or YAML/);
  });

  it('names the variable when a secret is missing or malformed', () => {
    assert.match(
      problem(file(good), {}),
      /subscriptions\.0\.secretFromEnv: the environment variable OPS_SECRET is not set/,
    );
    assert.match(
      problem(file(good), { OPS_SECRET: 'hunter2' }),
      /OPS_SECRET is not usable: a Standard Webhooks secret/,
    );
    assert.match(
      problem(file(good), { OPS_SECRET: `whsec_${Buffer.alloc(8).toString('base64')}` }),
      /OPS_SECRET is not usable: the secret must hold 24 to 64 bytes/,
    );
    // The message never repeats the secret it refused.
    assert.doesNotMatch(problem(file(good), { OPS_SECRET: 'hunter2' }), /hunter2/);
  });

  it('checks the createAgentWorker option with the same rules', () => {
    assert.throws(
      () =>
        parseWebhookSettings(
          { subscriptions: [{ name: 'a', url: 'https://x.example', events: ['run.completed'], secret: 'nope' }] },
          'durableAgentsPlugin webhooks',
        ),
      /durableAgentsPlugin webhooks: subscriptions\.0\.secret/,
    );
  });
});

describe('webhook-id', () => {
  it('is the same for every attempt of one event and differs across events, runs and workflows', () => {
    const id = webhookMessageId('wf-1', 'run-1', 'run.completed');
    assert.match(id, /^msg_[0-9a-f]{32}$/);
    assert.equal(webhookMessageId('wf-1', 'run-1', 'run.completed'), id);
    const others = [
      webhookMessageId('wf-1', 'run-1', 'run.failed'),
      webhookMessageId('wf-1', 'run-2', 'run.completed'),
      webhookMessageId('wf-2', 'run-1', 'run.completed'),
      webhookMessageId('wf-1', 'run-1', 'approval.requested:call_1'),
      webhookMessageId('wf-1', 'run-1', 'approval.requested:call_2'),
      // The parts are separated, so shifting text from one to the next changes the id.
      webhookMessageId('wf-1run', '-1', 'run.completed'),
    ];
    assert.equal(new Set([id, ...others]).size, others.length + 1);
  });
});

describe('subscription filters', () => {
  const sub = (filter: Partial<WebhookSubscription>) => filter as WebhookSubscription;
  it('takes every run without a filter, and only the listed agents or graphs with one', () => {
    const agent = { workflowType: 'agentWorkflow' as const, name: 'file-clerk' };
    const graph = { workflowType: 'graphWorkflow' as const, name: 'support-router' };
    assert.ok(subscriptionMatches(sub({}), agent));
    assert.ok(subscriptionMatches(sub({}), graph));
    assert.ok(subscriptionMatches(sub({ agents: ['file-clerk'] }), agent));
    assert.ok(!subscriptionMatches(sub({ agents: ['file-clerk'] }), graph), 'an agents list takes no graph');
    assert.ok(!subscriptionMatches(sub({ agents: ['other'] }), agent));
    assert.ok(subscriptionMatches(sub({ agents: ['x'], graphs: ['support-router'] }), graph));
  });
});
