/**
 * What every agentctl command is made of: a name, its usage line, and a `run` that parses its own
 * arguments with `parseCommandArgs` (node:util parseArgs for the syntax, zod for the values).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import type { AgentClient } from '../client/agent-client';
import type { AgentCatalog } from '../agents/catalog';
import type { TemporalSettings } from '../config/temporal';
import { UsageError } from './errors';

/** What a command may use: the settings, a lazily connected client, and stdout. */
export interface CliContext {
  settings: TemporalSettings;
  /** Connects on first use; commands that fail validation never open a connection. */
  client(): Promise<AgentClient>;
  /** Writes one block of text, followed by a newline, to stdout. */
  print(text: string): void;
  /** Writes one line to stderr: a warning that is not the command's output. */
  warn(text: string): void;
  /** Shipped agents plus the user's folder (AGENT_SPECS_DIR); built on first use, so a bad folder only stops commands that need it. */
  agents(): AgentCatalog;
}

/** One agentctl command; `client.ts` dispatches on `name`, `help` lists `usage` and `summary`. */
export interface Command {
  name: string;
  /** `start <agent> [--input TEXT|JSON] ...`, without the leading `agentctl`. */
  usage: string;
  summary: string;
  /** Option descriptions shown by `agentctl <command> --help`. */
  details?: string[];
  run(ctx: CliContext, argv: string[]): Promise<void>;
}

/** parseArgs option definitions (`{ input: { type: 'string' } }`). */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** How one command's arguments are parsed and validated. */
export interface ArgsSpec<S extends z.ZodType> {
  options: OptionsConfig;
  /** Names of required positional arguments, in order. */
  positionals: readonly string[];
  /** Validates (and may convert) the flag values parseArgs produced. */
  flags: S;
}

/** Positionals in order and the validated flag values. */
export interface ParsedArgs<S extends z.ZodType> {
  positionals: string[];
  flags: z.output<S>;
}

/** Rewrites node's parseArgs messages, which explain `--` escaping at length, into one short line. */
function parseArgsProblem(command: string, err: unknown): UsageError {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = /option '([^']+?)(?: <value>)?'/i.exec(message)?.[1];
  const help = `(see agentctl ${command} --help)`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option)
    return new UsageError(`unknown flag ${option} for ${command} ${help}`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return /missing/i.test(message)
      ? new UsageError(`flag ${option} needs a value ${help}`)
      : new UsageError(`flag ${option} takes no value ${help}`);
  }
  return new UsageError(`${command}: ${message.split('\n')[0]} ${help}`);
}

function zodProblem(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => (i.path.length ? `--${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Parses one command's arguments; every mistake becomes a one-line UsageError. */
export function parseCommandArgs<S extends z.ZodType>(
  command: string,
  argv: string[],
  spec: ArgsSpec<S>,
): ParsedArgs<S> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: true });
  } catch (err) {
    throw parseArgsProblem(command, err);
  }
  const missing = spec.positionals.slice(parsed.positionals.length);
  if (missing.length) {
    throw new UsageError(`${command} needs ${missing.map((m) => `<${m}>`).join(' ')} (see agentctl ${command} --help)`);
  }
  const extra = parsed.positionals.slice(spec.positionals.length);
  if (extra.length)
    throw new UsageError(`unexpected argument "${extra[0]}" for ${command} (see agentctl ${command} --help)`);

  const flags = spec.flags.safeParse(parsed.values);
  if (!flags.success) throw new UsageError(`${command}: ${zodProblem(flags.error.issues)}`);
  return { positionals: parsed.positionals, flags: flags.data };
}
