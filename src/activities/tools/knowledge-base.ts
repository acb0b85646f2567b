/**
 * The search_knowledge_base tool: ranked search over a folder of markdown documents. Documents are split into
 * passages under their headings (long sections further by paragraphs) and indexed with MiniSearch, which ranks
 * by BM25 with prefix and fuzzy matching, so "approv" finds "approval" and a passage about the query outranks one
 * that merely mentions a word. The index is built once per folder and rebuilt when a file changes.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import MiniSearch, { type SearchOptions } from 'minisearch';
import { ErrorType } from '../../contracts/errors';
import { ToolError } from './tool-activity';
import { searchKnowledgeBaseSpec } from '../../contracts/tool-specs';
import { defineTool, specFields, type DefinedTool } from './define-tool';

/** One searchable piece of a document. */
export interface Passage {
  id: number;
  /** Path relative to the knowledge-base folder, with forward slashes. */
  file: string;
  /** The document's first `#` heading, or its file name. */
  title: string;
  /** The nearest heading above the passage. */
  heading: string;
  /** The headings from the title down to `heading`, joined with ` › `; indexed so section names count. */
  trail: string;
  /** GitHub-style anchor of `heading`, for `source: file#anchor` citations. */
  anchor: string;
  text: string;
}

export interface SearchHit {
  passage: Passage;
  score: number;
}

/** A section longer than this is split into paragraph groups of about this size, so a hit stays focused. */
const MAX_PASSAGE_CHARS = 1200;
/** The most text shown for one passage; a single huge paragraph must not flood the conversation. */
const MAX_SHOWN_CHARS = 1500;

const stopWords = new Set(
  (
    'a an and are as at be but by can do does for from has have how i if in into is it its me my of on or so ' +
    'than that the their then there these this to was we what when where which who why will with you your'
  ).split(' '),
);

/** A light suffix stripper so "retries", "retrying" and "retry" meet; BM25 and prefix search do the rest. */
function stem(word: string): string {
  if (word.length <= 4) return word;
  if (/(ies|ied)$/.test(word)) return `${word.slice(0, -3)}y`;
  if (word.endsWith('ing') && word.length > 5) return word.slice(0, -3);
  if (word.endsWith('ed') && word.length > 5) return word.slice(0, -2);
  if (/(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  return stopWords.has(lower) ? null : stem(lower);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function slugify(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** Splits long text on blank lines and regroups the paragraphs into chunks of at most about `max` characters. */
function chunkParagraphs(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const chunks: string[] = [];
  let current = '';
  for (const paragraph of text.split(/\n\s*\n/)) {
    const p = paragraph.trim();
    if (!p) continue;
    if (current && current.length + p.length + 2 > max) {
      chunks.push(current);
      current = p;
    } else {
      current = current ? `${current}\n\n${p}` : p;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Splits one markdown document into passages: one per section, long sections by paragraphs. */
export function splitMarkdown(file: string, markdown: string): Omit<Passage, 'id'>[] {
  const lines = markdown.replace(/^\uFEFF/, '').split(/\r?\n/);
  const h1 = lines.find((l) => /^#\s+\S/.test(l));
  const title = h1
    ? h1
        .replace(/^#\s+/, '')
        .replace(/\s+#*\s*$/, '')
        .trim()
    : path.basename(file, path.extname(file));
  const passages: Omit<Passage, 'id'>[] = [];
  const anchorsSeen = new Map<string, number>();
  const trail: { level: number; text: string }[] = [];
  let heading = title;
  let anchor = '';
  let body: string[] = [];
  let fence: string | undefined;

  const flush = (): void => {
    const text = body.join('\n').trim();
    body = [];
    if (!text) return;
    const trailText = [title, ...trail.map((t) => t.text).filter((t) => t !== title)].join(' › ');
    for (const chunk of chunkParagraphs(text, MAX_PASSAGE_CHARS)) {
      passages.push({ file, title, heading, trail: trailText, anchor, text: chunk });
    }
  };

  for (const line of lines) {
    // Lines in fenced code blocks are body text even when they start with '#'.
    const fenceMark = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fenceMark && (fence === undefined || fence === fenceMark)) fence = fence === undefined ? fenceMark : undefined;
    const match = fence === undefined && !fenceMark ? /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line) : null;
    if (!match) {
      body.push(line);
      continue;
    }
    flush();
    const level = (match[1] as string).length;
    heading = (match[2] as string).trim();
    while (trail.length > 0 && (trail.at(-1) as { level: number }).level >= level) trail.pop();
    trail.push({ level, text: heading });
    const base = slugify(heading);
    const seen = anchorsSeen.get(base) ?? 0;
    anchorsSeen.set(base, seen + 1);
    anchor = seen === 0 ? base : `${base}-${seen}`;
  }
  flush();
  return passages;
}

interface Built {
  signature: string;
  search: MiniSearch<Passage>;
  passages: Passage[];
  /** Document titles and files, to tell the model what the knowledge base covers when nothing matched. */
  documents: { file: string; title: string }[];
}

const searchOptions: SearchOptions = {
  boost: { trail: 2, title: 1.5, text: 1 },
  // Prefix matching from three letters and fuzzy matching from five keep short words exact and noise low.
  prefix: (term) => term.length >= 3,
  fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
  combineWith: 'OR',
};

async function markdownFiles(root: string, dir = root): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await markdownFiles(root, full)));
    else if (entry.isFile() && /\.(md|markdown)$/i.test(entry.name)) files.push(path.relative(root, full));
  }
  return files.sort();
}

/**
 * The searchable view of one folder. `search` checks the files' sizes and modification times on every call
 * (a readdir and a few stats) and rebuilds the index only when they changed.
 */
export class KnowledgeBase {
  private built: Promise<Built> | undefined;
  private builtSignature: string | undefined;

  constructor(readonly dir: string) {}

  private async current(): Promise<Built> {
    let files: string[];
    try {
      files = await markdownFiles(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // A deployment fault the model cannot fix; retrying will not create the folder either.
        throw new ToolError(ErrorType.ToolFailed, `the knowledge base folder ${this.dir} does not exist`, {
          cause: err,
        });
      }
      throw err;
    }
    const stats = await Promise.all(files.map((f) => fsp.stat(path.join(this.dir, f))));
    const signature = files.map((f, i) => `${f}:${stats[i]?.mtimeMs}:${stats[i]?.size}`).join('\n');
    if (this.built === undefined || this.builtSignature !== signature) {
      this.builtSignature = signature;
      this.built = this.build(files, signature);
      // A failed build must not be cached: the next search tries again.
      this.built.catch(() => {
        if (this.builtSignature === signature) this.built = this.builtSignature = undefined;
      });
    }
    return this.built;
  }

  private async build(files: string[], signature: string): Promise<Built> {
    const passages: Passage[] = [];
    const documents: Built['documents'] = [];
    for (const relative of files) {
      const file = relative.split(path.sep).join('/');
      const parts = splitMarkdown(file, await fsp.readFile(path.join(this.dir, relative), 'utf8'));
      documents.push({ file, title: parts[0]?.title ?? path.basename(file, path.extname(file)) });
      for (const part of parts) passages.push({ id: passages.length, ...part });
    }
    const search = new MiniSearch<Passage>({ fields: ['title', 'trail', 'text'], processTerm, searchOptions });
    search.addAll(passages);
    return { signature, search, passages, documents };
  }

  /** The best `limit` passages for `query`, best first. */
  async search(query: string, limit = 3): Promise<SearchHit[]> {
    const { search, passages } = await this.current();
    return search
      .search(query)
      .slice(0, limit)
      .map((r) => ({ passage: passages[r.id as number] as Passage, score: r.score }));
  }

  /** The documents in the folder, for the "nothing matched" message. */
  async documents(): Promise<Built['documents']> {
    return (await this.current()).documents;
  }
}

const knowledgeBases = new Map<string, KnowledgeBase>();

/** One index per folder for the whole worker process, shared by every activity that searches it. */
export function knowledgeBaseFor(dir: string): KnowledgeBase {
  const key = path.resolve(dir);
  let kb = knowledgeBases.get(key);
  if (!kb) {
    kb = new KnowledgeBase(key);
    knowledgeBases.set(key, kb);
  }
  return kb;
}

function shown(text: string): string {
  return text.length <= MAX_SHOWN_CHARS ? text : `${text.slice(0, MAX_SHOWN_CHARS).trimEnd()} …`;
}

/** The search tool's job: the best passages as text the model can quote and cite, or a hint when none match. */
export async function searchKnowledgeBase(dir: string, args: { query: string; limit?: number }): Promise<string> {
  const kb = knowledgeBaseFor(dir);
  const hits = await kb.search(args.query, args.limit ?? 3);
  if (hits.length > 0) {
    const blocks = hits.map(({ passage }, i) =>
      [
        `[${i + 1}] ${passage.trail}`,
        `source: ${passage.file}${passage.anchor ? `#${passage.anchor}` : ''}`,
        shown(passage.text),
      ].join('\n'),
    );
    const count = hits.length === 1 ? '1 passage' : `${hits.length} passages`;
    return `${count} from the knowledge base for "${args.query}":\n\n${blocks.join('\n\n')}`;
  }
  const documents = await kb.documents();
  if (documents.length === 0) return 'The knowledge base is empty: there are no markdown documents to search.';
  const covers = documents.map((d) => `${d.title} (${d.file})`).join('; ');
  return `No passages in the knowledge base match "${args.query}". Try other or fewer keywords. The knowledge base covers: ${covers}.`;
}

/** The `search_knowledge_base` tool over the markdown documents in `dir` (contract: searchKnowledgeBaseSpec). */
export function createKnowledgeBaseTool(dir: string): DefinedTool {
  return defineTool({ ...specFields(searchKnowledgeBaseSpec), run: (args) => searchKnowledgeBase(dir, args) });
}
