/** The TypeScript files of src/, for tests that hold the code to a rule (error types, patch ids). */
import fs from 'node:fs';
import path from 'node:path';

/** The repository's src/ folder. */
export const SRC = path.join(__dirname, '..', '..', 'src');

/** Every `.ts` file below `dir` (src/ by default), as absolute paths. */
export function sourceFiles(dir: string = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}
