/**
 * `durable-agents/testing`: offline tests of a user's own agents and tools, against the real Temporal dev server and
 * the shipped mock LLM server (scripted, no API keys).
 */

/** Starts the mock LLM server on a free loopback port; its `providers` point a worker at it. */
export { startMockLlm, type MockLlm, type StartMockLlmOptions } from './testing/mock-llm';
/** The mock server's handle and request log entries (model, turn, attempt, system prompt, outcome, …). */
export type { MockLlmServer, MockRequestLogEntry } from './testing/mock-llm';
/** Typed scenario builders: `mockScenario(callTool('lookup', { id: 1 }), reply('done'))`. */
export { callTool, callTools, mockScenario, reply } from './testing/scenarios';
/** Shapes of scenarios, turns and faults (HTTP errors, hangs, delays) the mock server plays. */
export type { MockFault, MockScenario, MockTurn, MockTurnOptions } from './testing/scenarios';
/** Starts a dev server, the mock LLM server and a worker with the durable-agents plugin; `stop()` undoes it. */
export { startTestStack, type TestStack, type TestStackOptions } from './testing/test-stack';
/** Resolves the Temporal CLI that runs the dev server: TEMPORAL_CLI_PATH, PATH, the cache, then a build with Go. */
export { resolveTemporalCli, TEMPORAL_CLI_VERSION, type ResolvedTemporalCli } from './testing/temporal-cli';
