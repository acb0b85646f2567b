/**
 * Folders only this worker's user may enter: the conversation store's and the workspace. Other local users are
 * not trusted, so a folder is created 0700 (files in it are written 0600), and one that already exists is
 * accepted only if it is a real folder (not a symbolic link), owned by this user and not writable by others;
 * its parent must not let others swap it (writable by everyone without the sticky bit). Anything else is
 * refused, never repaired: a folder someone else prepared may already hold their files or links.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { DurableAgentsError } from '../contracts/errors';

/** Mode of folders this module creates. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of files written into them. */
export const PRIVATE_FILE_MODE = 0o600;

/** A folder that fails the checks; `reason` says which, for the operator to fix. */
export class UnsafeDirectoryError extends DurableAgentsError {
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`${dir} ${reason}; use a folder only this worker's user owns, or let the worker create it`);
  }
}

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

function checkOwnFolder(dir: string, stat: Stats): void {
  if (stat.isSymbolicLink()) throw new UnsafeDirectoryError(dir, 'is a symbolic link');
  if (!stat.isDirectory()) throw new UnsafeDirectoryError(dir, 'is not a folder');
  const uid = process.getuid?.();
  // Windows has no uids; its folder ACLs are the operator's to set.
  if (uid !== undefined && stat.uid !== uid) {
    throw new UnsafeDirectoryError(dir, `is owned by uid ${stat.uid}, not by this worker's user (uid ${uid})`);
  }
  if (uid !== undefined && (stat.mode & 0o022) !== 0) {
    throw new UnsafeDirectoryError(dir, `is writable by other users (mode ${(stat.mode & 0o777).toString(8)})`);
  }
}

/**
 * Creates `dir` (and missing parents) 0700, or checks the folder that is there. Throws
 * {@link UnsafeDirectoryError} for a symbolic link, a folder of another user, one others may write, or one
 * whose parent lets anyone replace it.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const resolved = path.resolve(dir);
  let stat = await fsp.lstat(resolved).catch((err: unknown) => {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  });
  if (!stat) {
    await fsp.mkdir(resolved, { recursive: true, mode: PRIVATE_DIR_MODE });
    stat = await fsp.lstat(resolved);
  }
  checkOwnFolder(resolved, stat);
  const parent = await fsp.stat(path.dirname(resolved));
  if (process.getuid && (parent.mode & 0o002) !== 0 && (parent.mode & 0o1000) === 0) {
    throw new UnsafeDirectoryError(resolved, `is in ${path.dirname(resolved)}, which anyone may write (no sticky bit)`);
  }
}
