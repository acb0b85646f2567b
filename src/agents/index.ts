/**
 * The shipped agents. A spec is data: `agentctl start <name>` turns it into an `agentWorkflow` input,
 * so adding an agent here needs no workflow change.
 */
import type { AgentInput } from '../contracts/agent-contract';

export interface AgentSpec {
  name: string;
  description: string;
  instructions: string;
  /** Default model id; `agentctl start --model` overrides it. */
  model: string;
  tools: string[];
  /** MCP servers whose tools the agent may call, as `<server>__<tool>` (see the README's MCP section). */
  mcpServers?: AgentInput['mcpServers'];
  maxSteps: number;
  approvalRequiredTools?: string[];
  outputSchema?: Record<string, unknown>;
  /** Mock LLM scenario that plays this agent offline (`mock:<scenario>`). */
  mockScenario: string;
  /** An input that shows what the agent does; used by the demo and the CLI's help. */
  exampleInput: string;
}

export const researchAssistant: AgentSpec = {
  name: 'research-assistant',
  description: 'Answers questions from the knowledge base, doing arithmetic with the calculator when needed.',
  instructions: [
    'You are a careful research assistant.',
    'Search the knowledge base before answering, use the calculator for any arithmetic,',
    'and answer in a few sentences that cite the source files you used.',
  ].join(' '),
  model: 'openai:gpt-4o-mini',
  tools: ['search_knowledge_base', 'calculator'],
  maxSteps: 8,
  mockScenario: 'research-assistant',
  exampleInput:
    'How long does a 40-minute agent run lose when a worker crashes on Temporal, and what is 40 * 60 in seconds?',
};

export const fileClerk: AgentSpec = {
  name: 'file-clerk',
  description: 'Reads and writes notes in the workspace folder; writing a file waits for a person to approve it.',
  instructions: 'You keep notes in the workspace. List and read files before changing them; write concise markdown.',
  model: 'openai:gpt-4o-mini',
  tools: ['list_files', 'read_file', 'write_file'],
  approvalRequiredTools: ['write_file'],
  maxSteps: 8,
  mockScenario: 'file-clerk',
  exampleInput: 'Write a file notes/summary.md that says the demo ran.',
};

export const shippedAgents: readonly AgentSpec[] = [researchAssistant, fileClerk];

export function findAgent(name: string): AgentSpec | undefined {
  return shippedAgents.find((a) => a.name === name);
}

/** Builds the workflow input for a shipped agent. */
export function agentInputFor(spec: AgentSpec, input: string, model?: string): AgentInput {
  return {
    agent: spec.name,
    instructions: spec.instructions,
    input,
    model: model ?? spec.model,
    tools: spec.tools,
    ...(spec.mcpServers?.length ? { mcpServers: spec.mcpServers } : {}),
    maxSteps: spec.maxSteps,
    approvalRequiredTools: spec.approvalRequiredTools ?? [],
    outputSchema: spec.outputSchema,
  };
}
