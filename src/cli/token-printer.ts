/**
 * `agentctl watch --tokens`: the model's text printed as it is written, between the step lines. A retried attempt
 * is announced and its text starts on a fresh line, so two attempts are never run together.
 */
import type { TokenEvent } from '../contracts/tokens';

export interface TokenOutput {
  write(text: string): unknown;
}

export class TokenPrinter {
  /** The call whose text is on the current line, if a line is open. */
  private open: string | undefined;

  constructor(private readonly out: TokenOutput) {}

  /** Ends an open line of text before something else is printed. */
  /** True while a line of the model's text is being written. */
  get lineOpen(): boolean {
    return this.open !== undefined;
  }

  breakLine(): void {
    if (this.open === undefined) return;
    this.out.write('\n');
    this.open = undefined;
  }

  /** `label` names the child run the call belongs to (`clerk-1`), for a graph's children. */
  show(event: TokenEvent, label?: string): void {
    const key = `${event.workflowId}/${event.runId}/${event.callId}`;
    if (event.type === 'token.attempt') {
      this.breakLine();
      if (event.attempt > 1) {
        this.out.write(
          `  ↻ ${label ? `${label} ` : ''}${event.model} attempt ${event.attempt}: the text starts again\n`,
        );
      }
      return;
    }
    if (event.type === 'token.end') {
      if (event.outcome === 'failed' && this.open === key) this.out.write(' ✗');
      if (this.open === key) this.breakLine();
      return;
    }
    if (this.open !== key) {
      this.breakLine();
      this.out.write(`  ✎ ${label ? `${label}: ` : ''}`);
      this.open = key;
    }
    this.out.write(event.text.replace(/\n/g, '\n    '));
  }
}
