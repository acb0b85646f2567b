// `npm run build:console` (and `npm run build`): bundles the browser console (src/console, React + chart.js) with
// esbuild into dist/console/: index.html, app.js and app.css. Everything is bundled at build time, so the API serves
// the folder as static files with a 'self'-only Content-Security-Policy: no CDN, no inline script.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src', 'console');

/**
 * Builds the console into `outDir` (default dist/console), emptied first. Minified unless `minify: false`.
 * Returns the folder and the files written.
 */
export async function buildConsole({ outDir = path.join(root, 'dist', 'console'), minify = true } = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(source, 'main.tsx') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    minify,
    sourcemap: false,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': JSON.stringify(minify ? 'production' : 'development') },
    logLevel: 'silent',
  });
  fs.copyFileSync(path.join(source, 'index.html'), path.join(outDir, 'index.html'));
  return { outDir, files: fs.readdirSync(outDir).sort() };
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const outFlag = process.argv.indexOf('--out');
  const outDir = outFlag > 0 ? path.resolve(process.argv[outFlag + 1] ?? '') : undefined;
  const built = await buildConsole(outDir ? { outDir } : {});
  process.stderr.write(`build:console: wrote ${built.files.join(', ')} to ${path.relative(root, built.outDir)}\n`);
}
