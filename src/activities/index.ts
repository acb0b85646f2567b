/**
 * All activities the worker registers, built from their clients so tests can hand in their own.
 */
import type { TokenBroker } from '../streaming/broker';
import type { Provider } from '../contracts/model-id';
import type { ConversationStore } from './conversation/store';
import type { ModelPrice } from '../contracts/pricing';
import type { AgentCatalog } from '../agents/catalog';
import { createAgentSpecActivities } from './agent-specs';
import { createApprovalActivities } from './approvals';
import { createModelActivities } from './models';
import type { ModelAdapter } from './models/types';
import type { CodeRunnerSettings } from './tools/code-runner';
import type { DefinedTool } from './tools/define-tool';
import type { DefinedScorer } from './evals/define-scorer';
import { createEvalActivities } from './evals/score-case';
import { createEvalScheduleActivities } from './evals/schedule';
import type { HttpFetchSettings } from './tools/http-fetch';
import { createDescribeToolsActivity, ToolRegistry, type McpDiscovery } from './tools/registry';
import { parseWebhookSettings, type ValidWebhookSettings } from '../contracts/webhooks';
import { createWebhookActivities } from './webhooks';
import type { ProviderQueues } from '../contracts/model-queues';

export interface ActivityDeps {
  adapters: Partial<Record<Provider, ModelAdapter>>;
  workspaceDir: string;
  knowledgeBaseDir: string;
  /** Prices overriding the built-in table (AGENT_PRICES_FILE). */
  prices?: Record<string, ModelPrice>;
  /** Serve unpriced models under a cost budget (AGENT_ALLOW_UNPRICED_MODELS). */
  allowUnpricedModels?: boolean;
  /** The user's own tools, made with `defineTool`. */
  tools?: DefinedTool[];
  /** The user's own eval scorers, made with `defineScorer`. */
  scorers?: DefinedScorer[];
  httpFetch?: Partial<HttpFetchSettings>;
  codeRunner?: Partial<CodeRunnerSettings>;
  /** MCP support: discovery for `describeTools` and the activities that call MCP tools. */
  mcp?: { discover: McpDiscovery; activities: Record<string, (...args: never[]) => Promise<unknown>> };
  /** Where conversations passed by reference are kept (see src/activities/conversation). */
  conversations?: ConversationStore;
  /**
   * Live tokens of the model calls this worker runs itself (those not sent to a provider queue); the model
   * workers get the same broker.
   */
  tokens?: TokenBroker;
  /** AGENT_APPROVAL_SECRET: approval decisions must carry a signature made with it. */
  approvalSecret?: string;
  /** The agents a run may name instead of carrying (`resolveAgentSpec`): shipped ones and the specs folder. */
  agentCatalog?: AgentCatalog;
  /** The operator's webhook subscriptions (AGENT_WEBHOOKS_FILE); none by default. */
  webhooks?: ValidWebhookSettings;
  /**
   * The providers whose model calls go to their own task queue (those the fleet rate-limits), as `describeTools`
   * tells new runs; `'all'` (the default) when this worker cannot tell.
   */
  providerQueues?: ProviderQueues;
}

export function createActivities(deps: ActivityDeps) {
  const registry = ToolRegistry.withBuiltins(
    {
      workspaceDir: deps.workspaceDir,
      knowledgeBaseDir: deps.knowledgeBaseDir,
      httpFetch: deps.httpFetch,
      codeRunner: deps.codeRunner,
    },
    deps.tools,
  );
  return {
    ...createModelActivities({
      adapters: deps.adapters,
      ...(deps.conversations ? { conversations: deps.conversations } : {}),
      ...(deps.prices ? { prices: deps.prices } : {}),
      ...(deps.allowUnpricedModels ? { allowUnpricedModels: true } : {}),
      ...(deps.tokens ? { tokens: deps.tokens } : {}),
    }),
    ...registry.activities(),
    ...createDescribeToolsActivity(registry, deps.mcp?.discover, deps.providerQueues),
    ...(deps.mcp?.activities ?? {}),
    ...createApprovalActivities({ approvalSecret: deps.approvalSecret }),
    ...createEvalActivities({ scorers: deps.scorers ?? [] }),
    ...createEvalScheduleActivities(),
    ...(deps.agentCatalog ? createAgentSpecActivities({ catalog: deps.agentCatalog }) : {}),
    // Registered on every worker, subscriptions or not, so a run planned elsewhere gets a typed refusal.
    ...createWebhookActivities(deps.webhooks ?? parseWebhookSettings({ subscriptions: [] }, 'webhooks')),
  };
}

export type Activities = ReturnType<typeof createActivities>;
