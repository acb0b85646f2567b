/**
 * agentctl: the command-line client of durable-agents. Wiring only: read the settings, pick the command,
 * run it, and print any failure as one line (plus a hint for faults) with a non-zero exit code. Each
 * command lives in src/cli/.
 */
import { approveCommand } from './approve';
import { cancelCommand } from './cancel';
import { forkCommand } from './fork';
import { retryCommand } from './retry';
import { graphsCommand, validateCommand } from './graphs';
import type { CliContext, Command } from './command';
import { LazyClient } from './connection';
import { reportError, UsageError, type ErrorContext } from './errors';
import { commandUsageText, helpCommand, usageText } from './help';
import { listCommand } from './list';
import { rejectCommand } from './reject';
import { resultCommand } from './result';
import { startCommand } from './start';
import { statusCommand } from './status';
import { watchCommand } from './watch';
import { agentsCommand } from './agents';
import { evalDeleteCommand, evalScheduleCommand, evalSchedulesCommand } from './eval-schedule';
import { evalReplayCommand } from './eval-replay';
import { evalCommand } from './eval';
import { AgentCatalog } from '../agents/catalog';
import { agentSpecsDirFromEnv } from '../config/agent-specs';
import { telemetrySettingsFromEnv } from '../config/telemetry';
import { temporalSettingsFromEnv } from '../config/temporal';
import { tracingFromSettings } from '../telemetry/tracing';

const runCommands: readonly Command[] = [
  startCommand,
  statusCommand,
  watchCommand,
  resultCommand,
  listCommand,
  approveCommand,
  rejectCommand,
  cancelCommand,
  forkCommand,
  retryCommand,
  agentsCommand,
  graphsCommand,
  validateCommand,
  evalCommand,
  evalScheduleCommand,
  evalSchedulesCommand,
  evalDeleteCommand,
  evalReplayCommand,
];
const help = helpCommand(runCommands);
/** Every command, in the order `help` lists them. */
export const commands: readonly Command[] = [...runCommands, help];

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const warn = (text: string): void => {
  process.stderr.write(`agentctl: ${text}\n`);
};

/** Runs agentctl with `argv` (without node and script); resolves to the exit code, never throws. */
export async function main(argv: string[]): Promise<number> {
  // Two-word commands (`eval schedule`) are tried before one-word ones.
  const twoWord = argv.length >= 2 ? commands.find((c) => c.name === `${argv[0]} ${argv[1]}`) : undefined;
  const [name, ...rest] = twoWord ? [twoWord.name, ...argv.slice(2)] : argv;
  let errorContext: ErrorContext | undefined;
  let lazy: LazyClient | undefined;
  try {
    if (name === undefined || name === '--help' || name === '-h') {
      print(usageText(commands));
      return 0;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) {
      throw new UsageError(
        name.startsWith('-')
          ? `unknown flag ${name}; a command comes first (see agentctl help)`
          : `unknown command "${name}"; commands: ${commands.map((c) => c.name).join(', ')}`,
      );
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      print(commandUsageText(command));
      return 0;
    }
    const settings = temporalSettingsFromEnv();
    errorContext = { address: settings.address, namespace: settings.namespace };
    const client = new LazyClient(settings, tracingFromSettings(telemetrySettingsFromEnv(), 'agentctl'));
    lazy = client;
    let catalog: AgentCatalog | undefined;
    const agents = (): AgentCatalog => (catalog ??= new AgentCatalog({ specsDir: agentSpecsDirFromEnv() }));
    const ctx: CliContext = { settings, client: () => client.get(), print, warn, agents };
    await command.run(ctx, rest);
    return 0;
  } catch (err) {
    const report = reportError(err, errorContext);
    process.stderr.write(`agentctl: ${report.message}\n`);
    if (report.hint) process.stderr.write(`hint: ${report.hint}\n`);
    return report.exitCode;
  } finally {
    await lazy?.close();
  }
}

/** The process entry point used by bin/agentctl.js: runs `main` and sets the exit code. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
  // `agentctl list | head` closes stdout early; that is the reader's choice, not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  void main(argv).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runCli();
