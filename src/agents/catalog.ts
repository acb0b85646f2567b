/**
 * The agent catalog: the agent specs shipped beside this file, and a user's own folder of specs
 * (AGENT_SPECS_DIR, or the worker's `specsDir` option). agentctl finds agents by name in it, and the
 * worker's `resolveAgentSpec` activity answers from it. The folder is read on every lookup, so a new spec
 * file is found without restarting anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAgentSpec, type AgentSpec } from '../contracts/agent-spec';
import { UserError } from '../contracts/errors';
import { readSpecFile, SPEC_FILE, specKind } from './spec-file';

/** Where the shipped agent specs live: this folder (its graphs sit in graphs/). */
export const shippedAgentsDir = __dirname;

export interface CatalogAgent {
  spec: AgentSpec;
  /** `shipped`, or `user` for an agent of the specs folder. */
  source: 'shipped' | 'user';
  file: string;
}

/** A file of the specs folder that is not a valid agent spec, with each problem's field path. */
export interface SpecFileProblem {
  file: string;
  /** The name the file gives, when it gives one. */
  name?: string;
  problems: string[];
}

export interface CatalogListing {
  /** By name; a user's agent takes the place of a shipped one of the same name. */
  agents: CatalogAgent[];
  problems: SpecFileProblem[];
}

/** Loads and validates one agent spec file; a UserError names the file and every bad field. */
export function loadAgentSpecFile(file: string): AgentSpec {
  const parsed = parseAgentSpec(readSpecFile(file));
  if (!parsed.ok) throw new UserError(`invalid agent spec ${displayPath(file)}: ${parsed.problems.join('; ')}`);
  return parsed.spec;
}

function displayPath(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

function specFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => SPEC_FILE.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Reads a folder: its valid agent specs and its broken files. Graph specs in the folder are not agents; they are skipped. */
function readFolder(dir: string, source: CatalogAgent['source']): CatalogListing {
  const agents: CatalogAgent[] = [];
  const problems: SpecFileProblem[] = [];
  for (const file of specFilesIn(dir)) {
    let raw: unknown;
    try {
      raw = readSpecFile(file);
    } catch (err) {
      problems.push({ file, problems: [(err as Error).message] });
      continue;
    }
    if (specKind(raw) === 'graph') continue;
    const named = (raw as { name?: unknown } | null)?.name;
    const parsed = parseAgentSpec(raw);
    if (parsed.ok) agents.push({ spec: parsed.spec, source, file });
    else problems.push({ file, ...(typeof named === 'string' ? { name: named } : {}), problems: parsed.problems });
  }
  // Two files giving one name would make a lookup depend on file order; both are refused instead.
  const seen = new Map<string, CatalogAgent[]>();
  for (const a of agents) seen.set(a.spec.name, [...(seen.get(a.spec.name) ?? []), a]);
  const dupes = [...seen.values()].filter((list) => list.length > 1).flat();
  for (const d of dupes) {
    const others = (seen.get(d.spec.name) ?? []).filter((o) => o !== d).map((o) => displayPath(o.file));
    problems.push({
      file: d.file,
      name: d.spec.name,
      problems: [`name "${d.spec.name}" is also given by ${others.join(', ')}`],
    });
  }
  return { agents: agents.filter((a) => !dupes.includes(a)), problems };
}

/** The shipped agents, as `agentctl agents` lists them; a broken shipped spec is a bug, so it throws. */
export function shippedAgentSpecs(): AgentSpec[] {
  const { agents, problems } = readFolder(shippedAgentsDir, 'shipped');
  if (problems.length) throw new Error(`shipped agent specs are invalid: ${JSON.stringify(problems)}`);
  return agents.map((a) => a.spec);
}

/** One shipped agent by name (the demo and the history recorder use them). */
export function shippedAgentSpec(name: string): AgentSpec {
  const spec = shippedAgentSpecs().find((s) => s.name === name);
  if (!spec) throw new Error(`no shipped agent "${name}"`);
  return spec;
}

export interface AgentCatalogOptions {
  /** A folder of the user's own agent specs (`*.yaml`, `*.yml`, `*.json`, not recursive). */
  specsDir?: string;
}

/** Shipped agents plus the user's folder. */
export class AgentCatalog {
  readonly specsDir?: string;

  /** Refuses a specs folder that does not exist, so a worker or agentctl with a mistyped path fails at once. */
  constructor(options: AgentCatalogOptions = {}) {
    if (options.specsDir !== undefined) {
      const dir = path.resolve(options.specsDir);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
        throw new UserError(`the agent specs folder ${options.specsDir} does not exist or is not a folder`);
      this.specsDir = dir;
    }
  }

  /** Every agent with its source, and every file of the user's folder that could not be read as one. */
  list(): CatalogListing {
    const shipped = readFolder(shippedAgentsDir, 'shipped');
    const user: CatalogListing = this.specsDir ? readFolder(this.specsDir, 'user') : { agents: [], problems: [] };
    const userNames = new Set(user.agents.map((a) => a.spec.name));
    return {
      agents: [...shipped.agents.filter((a) => !userNames.has(a.spec.name)), ...user.agents],
      problems: [...shipped.problems, ...user.problems],
    };
  }

  /**
   * The agent of that name, or undefined when there is none. A broken file that gives the name is an error,
   * not a miss: the user meant that file, and is told what is wrong with it.
   */
  find(name: string): CatalogAgent | undefined {
    const { agents, problems } = this.list();
    const found = agents.find((a) => a.spec.name === name);
    if (found) return found;
    const broken = problems.find((p) => p.name === name);
    if (broken) throw new UserError(`invalid agent spec ${displayPath(broken.file)}: ${broken.problems.join('; ')}`);
    return undefined;
  }

  /** The error for a name the catalog lacks, listing the agents it has. */
  unknownAgentError(name: string): UserError {
    const known = this.list()
      .agents.map((a) => a.spec.name)
      .join(', ');
    const where = this.specsDir ? `shipped or in ${this.specsDir}` : 'shipped; set AGENT_SPECS_DIR for your own';
    return new UserError(`unknown agent "${name}"; known agents (${where}): ${known}`);
  }
}
