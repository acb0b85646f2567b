/**
 * The shipped graph specs (YAML files beside this one) and the loader agentctl uses for a shipped name or
 * a spec file. Specs are validated before any workflow starts; problems are listed with their field paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../contracts/errors';
import { parseGraphSpec, type GraphSpec } from '../../contracts/graph-spec';
import { isSpecFile, readSpecFile } from '../spec-file';

export const graphsDir = __dirname;

export interface ShippedGraph {
  name: string;
  description: string;
  file: string;
}

/** The graphs shipped beside this file, by name, each with its one-line description (for `agentctl graphs`). */
export function shippedGraphs(): ShippedGraph[] {
  return fs
    .readdirSync(graphsDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = path.join(graphsDir, f);
      const raw = readSpecFile(file) as { name?: string; description?: string };
      return { name: raw.name ?? path.basename(f, '.yaml'), description: raw.description ?? '', file };
    });
}

/** True when the argument names a shipped graph or an existing spec file. */
export function isGraphReference(nameOrPath: string): boolean {
  if (shippedGraphs().some((g) => g.name === nameOrPath)) return true;
  return isSpecFile(nameOrPath);
}

/** Loads and validates a shipped graph by name, or a spec file by path. */
export function loadGraphSpec(nameOrPath: string): GraphSpec {
  const shipped = shippedGraphs().find((g) => g.name === nameOrPath);
  const file = shipped?.file ?? path.resolve(nameOrPath);
  if (!fs.existsSync(file)) {
    const known = shippedGraphs()
      .map((g) => g.name)
      .join(', ');
    throw new UserError(`no graph "${nameOrPath}": not a shipped graph (${known}) nor a spec file`);
  }
  const parsed = parseGraphSpec(readSpecFile(file));
  if (!parsed.ok)
    throw new UserError(
      `invalid graph spec ${path.relative(process.cwd(), file) || file}: ${parsed.problems.join('; ')}`,
    );
  return parsed.spec;
}
