/**
 * Keeps one bench run: bench/results/<timestamp>.json and latest.json, and the latest tables in docs/benchmarks.md,
 * between markers, so the prose around them is left alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchResults } from './report';

const DOC_START = '<!-- bench:latest:start (written by npm run bench; edit outside these markers) -->';
const DOC_END = '<!-- bench:latest:end -->';

/**
 * Formats a file's text with the repository's Prettier settings, so the files the bench writes pass `npm run lint`.
 * Prettier is a dev dependency; without it the text is written as it is.
 */
async function prettierFormat(file: string, text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...config, filepath: file });
  } catch {
    return text;
  }
}

/** Writes bench/results/<timestamp>.json and latest.json, and the tables into docs/benchmarks.md. */
export async function writeResults(root: string, results: BenchResults, markdown: string): Promise<string> {
  const dir = path.join(root, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}.json`);
  const json = await prettierFormat(file, JSON.stringify({ ...results, markdown }, null, 2));
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(dir, 'latest.json'), json);

  const doc = path.join(root, 'docs', 'benchmarks.md');
  const block = `${DOC_START}\n\n${markdown}\n${DOC_END}`;
  let text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '';
  const start = text.indexOf(DOC_START);
  const end = text.indexOf(DOC_END);
  if (start >= 0 && end > start) text = text.slice(0, start) + block + text.slice(end + DOC_END.length);
  else
    text = `# Benchmarks\n\nRun \`npm run bench\`; it rewrites the block below.\n\n${block}\n${text ? `\n${text}` : ''}`;
  fs.mkdirSync(path.dirname(doc), { recursive: true });
  fs.writeFileSync(doc, await prettierFormat(doc, text));
  return file;
}
