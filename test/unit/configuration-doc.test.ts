/**
 * Keeps docs/configuration.md true: every environment variable that src/ and scripts/ read is documented there,
 * and every variable documented there is read, by our code or by the dependency the page names for it.
 *
 * Reads are found in the TypeScript syntax tree, not by text search, so comments and help texts do not count:
 * `env.X`, `env?.X`, `env['X']` and `const { X } = env` on anything named `env` (process.env, this.env, an `env`
 * parameter); `env[NAME]` where NAME is a constant holding the name; `env[\`PREFIX_${…}\`]` (directly or through a
 * local constant), a family documented as `PREFIX_<…>`; and, in a function that reads `env[someParameter]`, the
 * names passed to it or listed as keys in the same file (`pemFrom('X')`, a zod object of variable names).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { SRC, sourceFiles } from '../helpers/source-files';

const repoRoot = path.resolve(__dirname, '..', '..');
const docPath = path.join(repoRoot, 'docs', 'configuration.md');
const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/** What the code reads: exact names, and families by prefix (`AGENT_RATE_LIMIT_`), each with where it is read. */
interface Reads {
  names: Map<string, string>;
  families: Map<string, string>;
}

/** True for `env`, `process.env`, `this.env`, `options.env`: an expression whose last name is `env`. */
function isEnv(node: ts.Expression): boolean {
  const e = ts.isNonNullExpression(node) || ts.isParenthesizedExpression(node) ? node.expression : node;
  return (ts.isIdentifier(e) && e.text === 'env') || (ts.isPropertyAccessExpression(e) && e.name.text === 'env');
}

/** Module-level constants with ALL_CAPS names in any scanned file (`PAYLOAD_KEYS_VARIABLE = 'AGENT_PAYLOAD_KEYS'`). */
function collectConstants(files: ts.SourceFile[]): Map<string, ts.Expression> {
  const constants = new Map<string, ts.Expression>();
  for (const file of files) {
    for (const statement of file.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && /^[A-Z][A-Z0-9_]*$/.test(d.name.text) && d.initializer) {
          constants.set(d.name.text, d.initializer);
        }
      }
    }
  }
  return constants;
}

/** The initializer of the nearest `const name = …` in a block around `node`, where a local name is declared. */
function localInitializer(name: string, node: ts.Node): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = node.parent; scope; scope = scope.parent) {
    if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    for (const statement of scope.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      const d = statement.declarationList.declarations.find((v) => ts.isIdentifier(v.name) && v.name.text === name);
      if (d?.initializer) return d.initializer;
    }
  }
  return undefined;
}

function scanReads(): Reads {
  const files = [...sourceFiles(SRC), ...sourceFiles(path.join(repoRoot, 'scripts'))].map((file) =>
    ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true),
  );
  const constants = collectConstants(files);
  const reads: Reads = { names: new Map(), families: new Map() };
  for (const file of files) {
    const where = (node: ts.Node): string => {
      const { line } = file.getLineAndCharacterOfPosition(node.getStart());
      return `${path.relative(repoRoot, file.fileName)}:${line + 1}`;
    };
    const addName = (name: string, node: ts.Node): void => {
      if (ENV_NAME.test(name) && !reads.names.has(name)) reads.names.set(name, where(node));
    };
    /** Resolves what `env[expr]` reads; false when the name comes from a parameter (a dynamic read). */
    const resolve = (expr: ts.Expression, node: ts.Node, depth = 0): boolean => {
      if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) {
        addName(expr.text, node);
        return true;
      }
      if (ts.isTemplateExpression(expr)) {
        if (/^[A-Z][A-Z0-9_]*_$/.test(expr.head.text) && !reads.families.has(expr.head.text)) {
          reads.families.set(expr.head.text, where(node));
        }
        return true;
      }
      if (ts.isIdentifier(expr) && depth < 3) {
        const initializer = localInitializer(expr.text, expr) ?? constants.get(expr.text);
        if (initializer) return resolve(initializer, node, depth + 1);
      }
      return false;
    };
    let dynamic = false;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && isEnv(node.expression)) addName(node.name.text, node);
      if (ts.isElementAccessExpression(node) && isEnv(node.expression)) {
        if (!resolve(node.argumentExpression, node)) dynamic = true;
      }
      if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer) {
        if (isEnv(node.initializer)) {
          for (const element of node.name.elements) {
            const key = element.propertyName ?? element.name;
            if (ts.isIdentifier(key)) addName(key.text, element);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    if (!dynamic) continue;
    // This file reads variables whose names reach `env[...]` through a parameter: the names it spells out, as
    // string arguments or object keys, are the ones it reads.
    const literals = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) && ts.isCallExpression(node.parent)) addName(node.text, node);
      if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) {
        addName(node.name.text, node);
      }
      ts.forEachChild(node, literals);
    };
    literals(file);
  }
  return reads;
}

/** What the page documents: every `NAME` in backticks, and families written `PREFIX_<WHAT>`. */
interface Documented {
  names: Set<string>;
  families: Set<string>;
  /** Names whose line says which dependency reads them: `(read by \`package\`)`. */
  readBy: Map<string, string>;
}

function documented(markdown: string): Documented {
  const doc: Documented = { names: new Set(), families: new Set(), readBy: new Map() };
  for (const line of markdown.split('\n')) {
    const packageName = /read by `([^`]+)`/.exec(line)?.[1];
    for (const [, token = ''] of line.matchAll(/`([A-Z][A-Z0-9_<>]*)`/g)) {
      const family = /^([A-Z][A-Z0-9_]*_)<[A-Z]+>$/.exec(token)?.[1];
      if (family) doc.families.add(family);
      else if (ENV_NAME.test(token)) {
        doc.names.add(token);
        if (packageName) doc.readBy.set(token, packageName);
      }
    }
  }
  return doc;
}

/** True when the installed package's files mention the variable: the dependency the page names really reads it. */
function packageMentions(packageName: string, variable: string): boolean {
  const dir = path.join(repoRoot, 'node_modules', ...packageName.split('/'));
  if (!fs.existsSync(dir)) return false;
  const search = (d: string): boolean =>
    fs.readdirSync(d, { withFileTypes: true }).some((entry) => {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) return entry.name !== 'node_modules' && search(full);
      return /\.(c|m)?js$/.test(entry.name) && fs.readFileSync(full, 'utf8').includes(variable);
    });
  return search(dir);
}

describe('docs/configuration.md', () => {
  const reads = scanReads();
  const doc = documented(fs.readFileSync(docPath, 'utf8'));
  const inFamily = (name: string, families: Iterable<string>): boolean =>
    [...families].some((prefix) => name.startsWith(prefix));

  it('the scan finds the reads it is built for (so an empty scan cannot pass)', () => {
    for (const name of [
      'TEMPORAL_ADDRESS',
      'AGENT_PAYLOAD_KEYS',
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'HTTP_FETCH_MAX_BYTES',
    ]) {
      assert.ok(reads.names.has(name), `the scan finds ${name}`);
    }
    assert.ok(reads.families.has('AGENT_RATE_LIMIT_'), 'the scan finds the AGENT_RATE_LIMIT_<PROVIDER> family');
  });

  it('documents every environment variable the code reads', () => {
    const missing = [...reads.names]
      .filter(([name]) => !doc.names.has(name) && !inFamily(name, doc.families))
      .map(([name, at]) => `${name} (read at ${at})`);
    const missingFamilies = [...reads.families]
      .filter(([prefix]) => !doc.families.has(prefix))
      .map(([prefix, at]) => `${prefix}<…> (built at ${at}; document it as \`${prefix}<WHAT>\`)`);
    const problems = [...missing, ...missingFamilies];
    if (problems.length > 0) {
      assert.fail(`read by the code but missing from docs/configuration.md:\n  ${problems.join('\n  ')}`);
    }
  });

  it('reads every variable it documents (or names the dependency that does)', () => {
    const unread = [...doc.names].filter((name) => {
      if (reads.names.has(name) || inFamily(name, reads.families.keys())) return false;
      const packageName = doc.readBy.get(name);
      return !(packageName && packageMentions(packageName, name));
    });
    const unreadFamilies = [...doc.families].filter((prefix) => !reads.families.has(prefix));
    const problems = [
      ...unread.map((name) =>
        doc.readBy.has(name)
          ? `${name} (its line says read by \`${doc.readBy.get(name)}\`, whose installed files never mention it)`
          : `${name}`,
      ),
      ...unreadFamilies.map((prefix) => `${prefix}<…>`),
    ];
    if (problems.length > 0) {
      assert.fail(`documented in docs/configuration.md but read nowhere:\n  ${problems.join('\n  ')}`);
    }
  });
});
