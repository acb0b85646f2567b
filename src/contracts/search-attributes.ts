/** Search attributes every run keeps current; registered by the dev-server script and temporal-dev.yml. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const agentNameKey = defineSearchAttributeKey('AgentName', SearchAttributeType.KEYWORD);
export const agentStatusKey = defineSearchAttributeKey('AgentStatus', SearchAttributeType.KEYWORD);
export const agentCostUsdKey = defineSearchAttributeKey('AgentCostUsd', SearchAttributeType.DOUBLE);
export const agentTokensKey = defineSearchAttributeKey('AgentTokens', SearchAttributeType.INT);
/** Set on score records of scheduled evals (see contracts/evals/schedule.ts): the run's score, 0 to 1. */
export const agentScoreKey = defineSearchAttributeKey('AgentScore', SearchAttributeType.DOUBLE);
export const awaitingApprovalKey = defineSearchAttributeKey('AwaitingApproval', SearchAttributeType.BOOL);
/**
 * The run's model: an agent's primary model, a graph's first model (or `graph`). Set once, in the same upsert as
 * AgentName, so spend can be grouped by model from visibility alone (GET /v1/costs).
 */
export const agentModelKey = defineSearchAttributeKey('AgentModel', SearchAttributeType.KEYWORD);

export const agentSearchAttributeKeys = [
  agentNameKey,
  agentStatusKey,
  agentCostUsdKey,
  agentTokensKey,
  awaitingApprovalKey,
  agentScoreKey,
  agentModelKey,
];

/** The same attributes in the `name=Type` form of `temporal server start-dev --search-attribute`. */
export const searchAttributeCliSpecs: string[] = [
  'AgentName=Keyword',
  'AgentStatus=Keyword',
  'AgentCostUsd=Double',
  'AgentTokens=Int',
  'AwaitingApproval=Bool',
  'AgentScore=Double',
  'AgentModel=Keyword',
];
