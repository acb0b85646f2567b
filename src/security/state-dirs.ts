/**
 * Where a worker keeps its state by default: a folder of the worker's user, never a shared temporary folder
 * that other local users can write to. `$XDG_STATE_HOME/durable-agents` or `~/.local/state/durable-agents`;
 * without a home, `<tmp>/durable-agents-<uid>-<what>` directly in the (sticky) temporary folder, which another
 * user can only pre-create, and a folder of theirs is refused (src/security/private-dir.ts).
 */
import os from 'node:os';
import path from 'node:path';

type Env = Record<string, string | undefined>;

function homeStateDir(env: Env): string | undefined {
  const xdg = env.XDG_STATE_HOME?.trim();
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'durable-agents');
  let home: string;
  try {
    home = os.homedir();
  } catch {
    return undefined;
  }
  return home && home !== path.parse(home).root ? path.join(home, '.local', 'state', 'durable-agents') : undefined;
}

/** The default folder for `what` (`conversations`, `workspace`). */
export function defaultStateDir(what: 'conversations' | 'workspace', env: Env = process.env): string {
  const base = homeStateDir(env);
  if (base) return path.join(base, what);
  const uid = process.getuid?.() ?? os.userInfo().username;
  return path.join(os.tmpdir(), `durable-agents-${uid}-${what}`);
}
