// `npm run build` (and `npm pack`, through prepack): compiles src/ to dist/ (JavaScript and .d.ts) and copies the
// files the code reads at run time next to it: agent and graph specs, the knowledge base, mock LLM scenarios, the
// Temporal CLI fallback module. dist/ is rebuilt from nothing each time, so it never holds a file src/ no longer has.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// tsc's diagnostics go to stderr: npm pack --json prints this script's stdout into its JSON answer.
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: ['ignore', process.stderr, 'inherit'],
});
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

/** Every file under `dir` that is not TypeScript: those are what tsc does not emit. */
function* assets(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    // src/console is the browser console's source: bundled into dist/console below, not copied.
    if (entry.isDirectory() && file === path.join(src, 'console')) continue;
    if (entry.isDirectory()) yield* assets(file);
    else if (entry.isFile() && !entry.name.endsWith('.ts')) yield file;
  }
}

let copied = 0;
for (const file of assets(src)) {
  const target = path.join(dist, path.relative(src, file));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(file, target);
  copied++;
}
process.stderr.write(`build: compiled src/ into dist/ and copied ${copied} asset files\n`);

// The browser console (src/console) is bundled by esbuild, not tsc: into dist/console, which the API serves.
const { buildConsole } = await import('./build-console.mjs');
const bundled = await buildConsole();
process.stderr.write(`build: bundled the console into dist/console (${bundled.files.join(', ')})\n`);
