/**
 * `durable-agents/worker`: what a worker process imports to run agents, either on a worker of its own
 * (`createAgentWorker`) or added to the user's worker as one Temporal plugin (`durableAgentsPlugin`).
 */

/**
 * The durable-agents Temporal worker plugin: adds our workflows (beside the worker's own), activities, interceptors
 * and codecs to `Worker.create({ plugins: [durableAgentsPlugin(options)] })`, and runs the per-provider model
 * workers while the worker runs.
 */
export { durableAgentsPlugin, DurableAgentsPlugin, type DurableAgentsPluginOptions } from './worker/plugin';
/** A worker that runs only durable-agents (the plugin on a worker of its own), as `npm run worker` builds it. */
export { createAgentWorker, type AgentWorkerOptions } from './worker/agent-worker';
/** The model workers running beside a worker made by `createAgentWorker` (empty before it runs). */
export { agentModelWorkers } from './worker/agent-worker';
// Worker Deployment Versioning for a worker of the user's own (createAgentWorker takes `deployment`).
export { workerDeploymentOptions, type WorkerDeploymentSettings } from './worker/deployment';
/** Path of our workflow entry module, for `bundleWorkflowCode` or replay workers. */
export { workflowsPath, shippedKnowledgeBaseDir } from './worker/plugin';
/** Turns a typed function into an agent tool: JSON schema for the model, retry policy, timeout, approval default. */
export { defineTool, type DefinedTool, type ToolConfig } from './activities/tools/define-tool';
/** Turns a typed function into an eval scorer (`{ type: custom, scorer: <name> }`); register it with `scorers`. */
export {
  defineScorer,
  type DefinedScorer,
  type ScorerCase,
  type ScorerConfig,
  type ScorerVerdict,
} from './activities/evals/define-scorer';
/** What a scorer reads of a case's run. */
export type { CaseRunFacts } from './contracts/evals/scorers';
/** What a tool's `run` receives besides its arguments: the call's ids and its idempotency key. */
export type { SideEffects, ToolCallInput } from './contracts/tool-specs';
/** Loads `tools` (made with `defineTool`) from a module path, as AGENT_TOOLS_MODULE does. */
export { loadToolsModule } from './worker/tools-module';
/** Connections to MCP servers, shared by the workers given the same pool. */
export { McpClientPool } from './activities/mcp';
/** Payload encryption for workers: the data converter and the failure converter module it bundles. */
export { encryptedDataConverter, encryptedFailureConverterPath } from './security/data-converter';
/** OpenTelemetry tracing for workers (`durableAgentsPlugin({ tracing })`). */
export { createTracing, type Tracing, type TracingOptions } from './telemetry/tracing';
/** Model providers (API keys, base URLs) and conversation-store settings, as the environment gives them. */
export type { ProviderSettings } from './activities/models/settings';
export type { ConversationStoreSettings } from './activities/conversation';
/**
 * Agent spec files, as a worker or a tool of your own reads them: `new AgentCatalog({ specsDir })` lists and finds
 * the shipped agents and your folder's by name (`find`, `list`); `loadAgentSpecFile(path)` reads and validates one
 * YAML or JSON file, throwing a UserError that names the file and the field.
 */
export {
  AgentCatalog,
  loadAgentSpecFile,
  type AgentCatalogOptions,
  type CatalogAgent,
  type CatalogListing,
  type SpecFileProblem,
} from './agents/catalog';
/** An agent spec after validation (defaults filled in): name, instructions, model, tools, approvals. */
export type { AgentSpec } from './contracts/agent-spec';
/** Loads and validates a graph spec: a shipped graph by name, or a YAML or JSON file by path. */
export { loadGraphSpec } from './agents/graphs';
/** A graph spec after validation. */
export type { GraphSpec } from './contracts/graph-spec';
/** Token brokers for `durableAgentsPlugin({ tokens })`: where model calls' live text goes as it is written. */
export { createInProcessTokenBroker } from './streaming/in-process';
export { createPostgresTokenBroker, type PostgresTokenBrokerOptions } from './streaming/postgres';
export type { TokenBroker } from './streaming/broker';
/**
 * Webhook subscriptions (`createAgentWorker({ webhooks })`, `durableAgentsPlugin({ webhooks })`): the settings, the
 * events a subscription may ask for, and the reader of AGENT_WEBHOOKS_FILE. See docs/webhooks.md.
 */
export type { WebhookEvent, WebhookSettings, WebhookState } from './contracts/webhooks';
export { WEBHOOK_EVENTS } from './contracts/webhooks';
export { webhooksFromEnv, parseWebhooksFile } from './config/webhooks';
