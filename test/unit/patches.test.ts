/**
 * Every patch id lives in src/workflows/kernel/patches.ts with its date and what it guards, and every
 * `patched()` / `deprecatePatch()` call names one of its constants: a literal id written in place would be a
 * patch nobody can find when deciding whether old runs still need its branch.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SRC, sourceFiles } from '../helpers/source-files';
import * as patches from '../../src/workflows/kernel/patches';

const PATCHES_FILE = path.join(SRC, 'workflows', 'kernel', 'patches.ts');

/** Each `patched(…)` / `deprecatePatch(…)` call in src/ (outside patches.ts), with the argument as written. */
function patchCalls(): { where: string; argument: string; text: string }[] {
  return sourceFiles(SRC)
    .filter((file) => file !== PATCHES_FILE)
    .flatMap((file) => {
      const text = fs.readFileSync(file, 'utf8');
      // `patched()` with nothing inside is prose in a comment; a real call always names its id.
      return [...text.matchAll(/\b(?:patched|deprecatePatch)\(\s*([^)]+?)\s*\)/g)].map((m) => ({
        where: `${path.relative(SRC, file)}:${text.slice(0, m.index).split('\n').length}`,
        argument: m[1] as string,
        text,
      }));
    });
}

const constants = Object.entries(patches).filter(([name]) => name.endsWith('_PATCH')) as [string, string][];

describe('patch ids', () => {
  const calls = patchCalls();

  it('finds the patched() calls (so the checks below look at something)', () => {
    assert.ok(calls.length >= constants.length, `only ${calls.length} patched() calls found`);
  });

  it('has no patch id written as a literal outside patches.ts', () => {
    assert.deepEqual(
      calls.filter((c) => /^['"`]/.test(c.argument)).map((c) => `${c.where}: ${c.argument}`),
      [],
    );
  });

  it('calls patched() only with a constant imported from kernel/patches', () => {
    const names = new Set(constants.map(([name]) => name));
    const strays = calls.filter(
      (c) =>
        !names.has(c.argument) ||
        !new RegExp(`import \\{[^}]*\\b${c.argument}\\b[^}]*\\} from '[./]*(?:kernel/)?patches'`).test(c.text),
    );
    assert.deepEqual(
      strays.map((c) => `${c.where}: ${c.argument}`),
      [],
    );
  });

  it('uses every patch id somewhere, lists each once, and never two constants for one id', () => {
    const used = new Set(calls.map((c) => c.argument));
    assert.deepEqual(
      constants.filter(([name]) => !used.has(name)).map(([name]) => name),
      [],
    );
    assert.deepEqual([...patches.patchIds].sort(), constants.map(([, id]) => id).sort());
    assert.equal(new Set(patches.patchIds).size, patches.patchIds.length);
  });

  it('gives each patch id the date it was added and what it guards', () => {
    const text = fs.readFileSync(PATCHES_FILE, 'utf8');
    for (const [name] of constants) {
      const doc = new RegExp(
        `/\\*\\*\\s*\\n\\s*\\* (\\d{4}-\\d{2}-\\d{2})\\. ([^*]+)[\\s\\S]*?\\*/\\nexport const ${name} =`,
      );
      assert.match(text, doc, `${name} needs a TSDoc that opens with its date and what it guards`);
    }
  });
});
