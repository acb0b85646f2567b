/** The one-line spinner of `agentctl watch` and `agentctl eval`: drawn on a terminal only, never into a pipe or a log. */

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Where the spinner goes: a terminal gets one, redrawn in place; a pipe or a log file never does. */
export interface SpinnerOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** One line redrawn in place on a terminal; on anything else it draws nothing. */
export class Spinner {
  private frame = 0;
  private shown = false;

  constructor(private readonly out: SpinnerOutput) {}

  draw(text: string): void {
    if (!this.out.isTTY) return;
    this.out.write(`\r\x1b[K${SPINNER[this.frame++ % SPINNER.length]} ${text}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
