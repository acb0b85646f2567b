/**
 * Command-line options of the knowledge-base MCP server's entry points. `--data` is required, so the server
 * never edits the shipped knowledge base unless someone names that folder on purpose.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../../contracts/errors';

export interface ServerOptions {
  /** Absolute path of the folder of markdown documents the server searches and edits. */
  dataDir: string;
  /** HTTP only: the port on 127.0.0.1; 0 picks a free one. */
  port: number;
}

/** Parses `--data DIR [--port N]`; a missing or bad option is a {@link UserError} for the entry point to print. */
export function parseServerOptions(argv: string[], usage: string): ServerOptions {
  let values: { data?: string; port?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { data: { type: 'string' }, port: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${usage}`);
  }
  if (!values.data) throw new UserError(`--data DIR is required: the folder of markdown documents to serve\n${usage}`);
  const dataDir = path.resolve(values.data);
  if (!fs.statSync(dataDir, { throwIfNoEntry: false })?.isDirectory())
    throw new UserError(`--data ${values.data}: no such folder`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UserError(`--port ${values.port}: not a port number`);
  return { dataDir, port };
}

/** Runs an entry point's main; a user error prints one line and exits 2, anything else its stack and exits 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(err instanceof UserError ? `${err.message}\n` : `${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(err instanceof UserError ? 2 : 1);
  });
}
