/**
 * The file tools (read_file, list_files, write_file), confined to one workspace folder. Every path is resolved
 * through the real path of its nearest existing ancestor, so neither `..`, nor an absolute path elsewhere, nor
 * a symlink that leads out can reach a file outside the workspace; such paths are refused, never clamped.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { ErrorType } from '../../contracts/errors';
import { ToolError } from './tool-activity';
import { listFilesSpec, readFileSpec, writeFileSpec } from '../../contracts/tool-specs';
import { defineTool, specFields, type DefinedTool } from './define-tool';

/** read_file returns at most this many bytes, so one file cannot flood the conversation. */
export const READ_LIMIT_BYTES = 256 * 1024;
/** list_files shows at most this many entries. */
export const LIST_LIMIT = 500;
/** Temporary files of atomic writes start with this, and list_files hides them. */
const TEMP_PREFIX = '.tmp-write-';

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

function denied(requested: string, why = 'is outside the workspace'): ToolError {
  return new ToolError(
    ErrorType.ToolPermissionDenied,
    `path "${requested}" ${why}; use a path relative to the workspace root`,
  );
}

function failed(message: string): ToolError {
  return new ToolError(ErrorType.ToolFailed, message, { nonRetryable: true });
}

/** A path inside the workspace: the real absolute path to act on and the relative path to show. */
export interface WorkspacePath {
  real: string;
  relative: string;
}

/** The workspace root: created when missing, then resolved to its real path. */
async function realRoot(workspaceDir: string): Promise<string> {
  await fsp.mkdir(workspaceDir, { recursive: true });
  return fsp.realpath(workspaceDir);
}

/**
 * Resolves a path the model gave to a real path inside the workspace, or throws a non-retryable
 * `ToolPermissionDenied`. The nearest existing ancestor is resolved with `realpath`, which follows every
 * symlink on the way; the parts below it do not exist yet, so nothing can redirect them.
 */
export async function resolveInWorkspace(workspaceDir: string, requested: string): Promise<WorkspacePath> {
  if (requested.includes('\0')) throw denied(requested, 'contains a NUL character');
  const configuredRoot = path.resolve(workspaceDir);
  const root = await realRoot(workspaceDir);
  // Absolute paths are allowed only when they name something inside the workspace, by either spelling of its root.
  let target = path.resolve(root, requested);
  if (path.isAbsolute(requested) && isInside(configuredRoot, path.resolve(requested))) {
    target = path.join(root, path.relative(configuredRoot, path.resolve(requested)));
  }
  if (!isInside(root, target)) throw denied(requested);

  let existing = target;
  const missing: string[] = [];
  for (;;) {
    try {
      const real = await fsp.realpath(existing);
      if (!isInside(root, real)) throw denied(requested, 'leads outside the workspace through a symbolic link');
      const resolved = path.join(real, ...missing.reverse());
      return { real: resolved, relative: path.relative(root, resolved).split(path.sep).join('/') || '.' };
    } catch (err) {
      if (err instanceof ToolError) throw err;
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw err;
      // A dangling symlink exists but cannot be resolved; writing through it could land anywhere.
      const isLink = await fsp.lstat(existing).then(
        (s) => s.isSymbolicLink(),
        () => false,
      );
      if (isLink) throw denied(requested, 'is a symbolic link that points nowhere');
      missing.push(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
}

/**
 * Where an open file really is: on Linux the kernel's own answer (`/proc/self/fd`), elsewhere the real path of
 * the name it was opened by, accepted only if it still names the same file (device and inode).
 */
async function openedPath(handle: fsp.FileHandle, opened: string): Promise<string | undefined> {
  const viaProc = await fsp.readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (viaProc !== undefined) return viaProc;
  const [now, held] = await Promise.all([fsp.stat(opened).catch(() => undefined), handle.stat()]);
  if (!now || now.dev !== held.dev || now.ino !== held.ino) return undefined;
  return fsp.realpath(opened).catch(() => undefined);
}

/**
 * Opens a path that {@link resolveInWorkspace} approved, closing the gap between that check and the open: the
 * last component is opened with `O_NOFOLLOW` (a symlink put there since is refused), and the file actually
 * opened must lie inside the workspace (a folder on the way swapped for a symlink since is refused too).
 */
export async function openInWorkspace(
  workspaceDir: string,
  target: WorkspacePath,
  flags: number,
  mode?: number,
): Promise<fsp.FileHandle> {
  const root = await realRoot(workspaceDir);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(target.real, flags | fsConstants.O_NOFOLLOW, mode);
  } catch (err) {
    if (errno(err) === 'ELOOP') throw denied(target.relative, 'is a symbolic link');
    throw err;
  }
  const where = await openedPath(handle, target.real);
  if (where === undefined || !isInside(root, where)) {
    await handle.close();
    throw denied(target.relative, 'leads outside the workspace through a symbolic link');
  }
  return handle;
}

/** read_file: the file's text, capped at {@link READ_LIMIT_BYTES} with a note saying so. */
export async function readWorkspaceFile(workspaceDir: string, args: { path: string }): Promise<string> {
  const target = await resolveInWorkspace(workspaceDir, args.path);
  const { relative } = target;
  let handle: fsp.FileHandle;
  try {
    handle = await openInWorkspace(workspaceDir, target, fsConstants.O_RDONLY);
  } catch (err) {
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') throw failed(`no such file in the workspace: ${relative}`);
    if (errno(err) === 'EISDIR')
      throw failed(`${relative} is a folder, not a file; use list_files to see what it holds`);
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw failed(`${relative} is a folder, not a file; use list_files to see what it holds`);
    if (!stat.isFile()) throw failed(`${relative} is not a regular file`);
    const buffer = Buffer.alloc(Math.min(stat.size, READ_LIMIT_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const bytes = buffer.subarray(0, bytesRead);
    if (bytes.subarray(0, 8192).includes(0))
      return `${relative} is a binary file (${stat.size} bytes); read_file shows text only.`;
    if (stat.size === 0) return `(${relative} is empty)`;
    // A cut can split a multi-byte character; drop the broken tail rather than show a replacement character.
    const text = bytes.toString('utf8').replace(/\uFFFD+$/, '');
    if (stat.size <= READ_LIMIT_BYTES) return text;
    return `${text}\n\n[truncated: ${relative} has ${stat.size} bytes; only the first ${READ_LIMIT_BYTES} are shown]`;
  } finally {
    await handle.close();
  }
}

/** list_files: one entry a line, folders first and marked with `/`, as paths relative to the workspace root. */
export async function listWorkspaceFiles(workspaceDir: string, args: { path?: string }): Promise<string> {
  const { real, relative } = await resolveInWorkspace(workspaceDir, args.path?.trim() || '.');
  let entries;
  try {
    entries = await fsp.readdir(real, { withFileTypes: true });
  } catch (err) {
    if (errno(err) === 'ENOENT') throw failed(`no such folder in the workspace: ${relative}`);
    if (errno(err) === 'ENOTDIR') throw failed(`${relative} is a file, not a folder; use read_file to read it`);
    throw err;
  }
  const prefix = relative === '.' ? '' : `${relative}/`;
  const rows = await Promise.all(
    entries
      .filter((e) => !e.name.startsWith(TEMP_PREFIX))
      .map(async (e) => {
        const stat = await fsp.stat(path.join(real, e.name)).catch(() => undefined);
        const isDir = stat?.isDirectory() ?? e.isDirectory();
        const size = stat?.isFile() ? ` (${stat.size} bytes)` : '';
        return { isDir, line: `${prefix}${e.name}${isDir ? '/' : size}` };
      }),
  );
  if (rows.length === 0) return `(${relative === '.' ? 'the workspace' : relative} is empty)`;
  rows.sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.line.localeCompare(b.line));
  const shown = rows.slice(0, LIST_LIMIT).map((r) => r.line);
  if (rows.length > LIST_LIMIT) shown.push(`[${rows.length - LIST_LIMIT} more entries not shown]`);
  return shown.join('\n');
}

/**
 * write_file: replaces the file atomically (a temporary file in the same folder, then a rename), so a crash
 * mid-write never leaves half a file and a reader sees the old or the new content. Writing the same content
 * twice gives the same file, which is what makes a retried attempt harmless.
 */
export async function writeWorkspaceFile(
  workspaceDir: string,
  args: { path: string; content: string },
): Promise<string> {
  const { real, relative } = await resolveInWorkspace(workspaceDir, args.path);
  if (relative === '.') throw failed('write_file needs a file path, not the workspace root');
  const bytes = Buffer.byteLength(args.content, 'utf8');
  const existing = await fsp.stat(real).catch(() => undefined);
  if (existing?.isDirectory()) throw failed(`${relative} is a folder; choose a file path`);
  if (existing?.isFile() && existing.size === bytes && (await fsp.readFile(real, 'utf8')) === args.content) {
    return `${relative} already has this content (${bytes} bytes); nothing changed`;
  }
  const dir = path.dirname(real);
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (err) {
    if (errno(err) === 'EEXIST' || errno(err) === 'ENOTDIR')
      throw failed(`cannot create ${relative}: a parent of it is a file`);
    throw err;
  }
  const temp = path.join(dir, `${TEMP_PREFIX}${randomUUID()}`);
  try {
    // O_EXCL refuses to follow anything already at the temporary name, and openInWorkspace checks that the new
    // file landed inside the workspace; rename then replaces the entry itself, never a file that a symlink at
    // the destination points to.
    const handle = await openInWorkspace(
      workspaceDir,
      { real: temp, relative },
      fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
      0o644,
    );
    try {
      await handle.writeFile(args.content, 'utf8');
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, real);
  } catch (err) {
    // Also removes a temporary file that a swapped folder made land outside: it is ours, and must not stay.
    await fsp.rm(temp, { force: true });
    throw err;
  }
  return `wrote ${relative} (${bytes} bytes)`;
}

/** The file tools confined to `workspaceDir`: `read_file`, `list_files`, `write_file` (contracts in tool-specs). */
export function createWorkspaceTools(workspaceDir: string): DefinedTool[] {
  return [
    defineTool({ ...specFields(readFileSpec), run: (args) => readWorkspaceFile(workspaceDir, args) }),
    defineTool({ ...specFields(listFilesSpec), run: (args) => listWorkspaceFiles(workspaceDir, args) }),
    defineTool({ ...specFields(writeFileSpec), run: (args) => writeWorkspaceFile(workspaceDir, args) }),
  ];
}
