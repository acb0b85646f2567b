/**
 * The knowledge-base MCP server's own job: list, delete and add markdown documents in its data folder. Every
 * path is confined to that folder (symbolic links included) by the same resolver the workspace tools use.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { knowledgeBaseFor, slugify } from '../../activities/tools/knowledge-base';
import { ToolError } from '../../activities/tools/tool-activity';
import { resolveInWorkspace } from '../../activities/tools/workspace';

/** An expected refusal or failure of a tool; the server returns its message to the client as `isError`. */
export class DocumentError extends Error {
  override name = 'DocumentError';
}

const MARKDOWN = /\.(md|markdown)$/i;
const MAX_SLUG_CHARS = 80;

async function resolveInData(dataDir: string, requested: string): Promise<{ real: string; relative: string }> {
  try {
    return await resolveInWorkspace(dataDir, requested);
  } catch (err) {
    if (err instanceof ToolError) throw new DocumentError(`"${requested}" is outside the knowledge base folder`);
    throw err;
  }
}

/** list_documents: one line per markdown document, `file — title`. */
export async function listDocuments(dataDir: string): Promise<string> {
  const documents = await knowledgeBaseFor(dataDir).documents();
  if (documents.length === 0) return 'The knowledge base holds no documents.';
  return documents.map((d) => `${d.file} — ${d.title}`).join('\n');
}

/** delete_document: removes one markdown file of the data folder. */
export async function deleteDocument(dataDir: string, args: { file: string }): Promise<string> {
  const { real, relative } = await resolveInData(dataDir, args.file);
  if (!MARKDOWN.test(relative))
    throw new DocumentError(`only markdown documents (.md) can be deleted, not "${relative}"`);
  const stat = await fsp.lstat(real).catch(() => undefined);
  if (!stat) throw new DocumentError(`no such document: ${relative}`);
  if (!stat.isFile()) throw new DocumentError(`${relative} is not a regular file`);
  await fsp.unlink(real);
  return `Deleted ${relative}.`;
}

/**
 * add_note: writes `notes/<slug of title>.md`. Saving the same note again changes nothing, and a different
 * text under a title already taken is refused rather than written over, so the tool is idempotent and never
 * destroys a note.
 */
export async function addNote(dataDir: string, args: { title: string; text: string }): Promise<string> {
  const title = args.title.replace(/\s+/g, ' ').trim();
  const slug = slugify(title).replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, MAX_SLUG_CHARS) || 'note';
  const { real, relative } = await resolveInData(dataDir, `notes/${slug}.md`);
  const content = `# ${title}\n\n${args.text.trim()}\n`;
  const existing = await fsp.readFile(real, 'utf8').catch(() => undefined);
  if (existing === content) return `The note is already saved as ${relative}.`;
  if (existing !== undefined)
    throw new DocumentError(`a different note is already saved as ${relative}; choose another title`);
  await fsp.mkdir(path.dirname(real), { recursive: true });
  // Written to a temporary file and renamed, so a search never sees half a note.
  const temp = path.join(path.dirname(real), `.tmp-${randomUUID()}`);
  await fsp.writeFile(temp, content, { flag: 'wx' });
  await fsp.rename(temp, real);
  return `Saved ${relative} (${content.length} characters).`;
}
