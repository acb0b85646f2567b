/**
 * Live tokens: the text of a model call as the provider writes it. Tokens never enter Temporal history (the
 * activity still returns the whole message); they travel from the model activity to subscribers through a token
 * broker. One model call is one stream, named by the run and the activity id; each attempt of the call starts
 * the stream afresh, so a subscriber never mixes two attempts' text.
 */

/** The model call a token stream belongs to. */
export interface TokenCall {
  workflowId: string;
  runId: string;
  /** The activity id of the call within its run. */
  callId: string;
  /** `provider:model`. */
  model: string;
}

/** An attempt of the call began (1 first, then each retry): text so far is discarded. */
export interface TokenAttemptEvent extends TokenCall {
  type: 'token.attempt';
  attempt: number;
}

/** Text the model wrote: `text` continues the attempt's text at character `offset` (0 for the first piece). */
export interface TokenTextEvent extends TokenCall {
  type: 'token';
  attempt: number;
  offset: number;
  text: string;
}

/** The attempt ended: `finished` (its message is the step's answer) or `failed` (a retry may follow). */
export interface TokenEndEvent extends TokenCall {
  type: 'token.end';
  attempt: number;
  outcome: 'finished' | 'failed';
}

export type TokenEvent = TokenAttemptEvent | TokenTextEvent | TokenEndEvent;
