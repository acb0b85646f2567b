/**
 * Reading a spec file (YAML or JSON) and telling an agent spec from a graph spec, for agentctl and the worker's
 * agent catalog alike. Only the file's syntax is checked here; the schemas in src/contracts/ check the rest.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { UserError } from '../contracts/errors';

/** The file extensions a spec may have. */
export const SPEC_FILE = /\.(ya?ml|json)$/;

/** True when the argument looks like a spec file's path (by its extension) and the file exists. */
export function isSpecFile(nameOrPath: string): boolean {
  return SPEC_FILE.test(nameOrPath) && fs.existsSync(nameOrPath);
}

/** The parsed document of a YAML or JSON file; a syntax error becomes a UserError naming the file. */
export function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const json = file.endsWith('.json');
  try {
    return json ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
}

/**
 * Which kind of spec a document is. A graph spec has nodes (and an entry, state, agents); an agent spec has none
 * of those keys, so anything else is read, and validated, as an agent spec.
 */
export function specKind(raw: unknown): 'agent' | 'graph' {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    if (['nodes', 'entry', 'state', 'agents'].some((k) => k in raw)) return 'graph';
  }
  return 'agent';
}
