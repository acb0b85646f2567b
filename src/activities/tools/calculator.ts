/**
 * The calculator tool: a small recursive-descent evaluator, so the model's arithmetic is exact and no text it
 * writes is ever run as code (no `eval`, no `Function`).
 *
 * Grammar, lowest precedence first:
 *
 *     expression := term (('+' | '-') term)*
 *     term       := unary (('*' | '/' | '%') unary)*
 *     unary      := ('-' | '+') unary | power
 *     power      := primary (('^' | '**') unary)?        right-associative; -2^2 = -(2^2), 2^-1 = 0.5
 *     primary    := number | constant | function '(' expression (',' expression)* ')' | '(' expression ')'
 *
 * Numbers are decimals (`3`, `0.5`, `.5`, `1.5e3`); constants are `pi` and `e`; functions are listed in
 * {@link functions}. Positions in error messages count characters from 1.
 */
import { ErrorType } from '../../contracts/errors';
import { ToolError } from './tool-activity';
import { calculatorSpec } from '../../contracts/tool-specs';
import { defineTool, specFields, type DefinedTool } from './define-tool';

type TokenKind = 'number' | 'name' | 'operator' | '(' | ')' | ',' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based position of the token's first character. */
  pos: number;
  value?: number;
}

interface FunctionDef {
  minArgs: number;
  maxArgs: number;
  /** `pos` is the function name's position, for domain errors. */
  apply: (args: number[], pos: number) => number;
}

// Maps, not object literals: a lookup must never find inherited names such as `constructor` or `__proto__`.
const constants: ReadonlyMap<string, number> = new Map([
  ['pi', Math.PI],
  ['e', Math.E],
]);

function roundHalfAwayFromZero(x: number, digits = 0): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) {
    throw new RangeError('round: digits must be a whole number from 0 to 15');
  }
  const factor = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * factor)) / factor;
}

const functions: ReadonlyMap<string, FunctionDef> = new Map(
  Object.entries({
    sqrt: {
      minArgs: 1,
      maxArgs: 1,
      apply: ([x = 0], pos) => {
        if (x < 0) throw calcError(`sqrt of a negative number (${formatNumber(x)}) at position ${pos}`);
        return Math.sqrt(x);
      },
    },
    abs: { minArgs: 1, maxArgs: 1, apply: ([x = 0]) => Math.abs(x) },
    round: {
      minArgs: 1,
      maxArgs: 2,
      apply: ([x = 0, digits], pos) => {
        try {
          return roundHalfAwayFromZero(x, digits);
        } catch (err) {
          throw calcError(`${(err as Error).message} (at position ${pos})`);
        }
      },
    },
    floor: { minArgs: 1, maxArgs: 1, apply: ([x = 0]) => Math.floor(x) },
    ceil: { minArgs: 1, maxArgs: 1, apply: ([x = 0]) => Math.ceil(x) },
    min: { minArgs: 1, maxArgs: Infinity, apply: (args) => Math.min(...args) },
    max: { minArgs: 1, maxArgs: Infinity, apply: (args) => Math.max(...args) },
    log: {
      minArgs: 1,
      maxArgs: 2,
      apply: ([x = 0, base], pos) => {
        if (x <= 0) throw calcError(`log of a number that is not positive (${formatNumber(x)}) at position ${pos}`);
        if (base === undefined) return Math.log(x);
        if (base <= 0 || base === 1)
          throw calcError(`log base must be positive and not 1 (got ${formatNumber(base)}) at position ${pos}`);
        return Math.log(x) / Math.log(base);
      },
    },
    exp: { minArgs: 1, maxArgs: 1, apply: ([x = 0]) => Math.exp(x) },
  } satisfies Record<string, FunctionDef>),
);

const knownNames = [...constants.keys(), ...functions.keys()].join(', ');

function calcError(message: string): ToolError {
  // The same expression always fails the same way, so a retry could never help.
  return new ToolError(ErrorType.ToolFailed, message, { nonRetryable: true });
}

/** Shows a number the way a person would write it: no float noise such as 0.30000000000000004. */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return String(x);
  return String(Number(x.toPrecision(15)));
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of expression' : `"${token.text}"`;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    const pos = i + 1;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], pos, value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (name) {
      tokens.push({ kind: 'name', text: name[0], pos });
      i += name[0].length;
      continue;
    }
    if (source.startsWith('**', i)) {
      tokens.push({ kind: 'operator', text: '^', pos });
      i += 2;
      continue;
    }
    if ('+-*/%^'.includes(ch)) tokens.push({ kind: 'operator', text: ch, pos });
    else if (ch === '(' || ch === ')' || ch === ',') tokens.push({ kind: ch, text: ch, pos });
    else throw calcError(`unexpected character "${ch}" at position ${pos} in "${source}"`);
    i += 1;
  }
  tokens.push({ kind: 'end', text: '', pos: source.length + 1 });
  return tokens;
}

class Parser {
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parse(): number {
    const value = this.expression();
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.unexpected(rest, 'an operator or the end of the expression');
    return value;
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private isOperator(...ops: string[]): boolean {
    const token = this.peek();
    return token.kind === 'operator' && ops.includes(token.text);
  }

  private unexpected(token: Token, expected: string): ToolError {
    return calcError(
      `syntax error at position ${token.pos}: expected ${expected} but found ${describe(token)} in "${this.source}"`,
    );
  }

  private expect(kind: TokenKind, expected: string): Token {
    const token = this.peek();
    if (token.kind !== kind) throw this.unexpected(token, expected);
    return this.next();
  }

  private expression(): number {
    let value = this.term();
    while (this.isOperator('+', '-')) {
      const op = this.next();
      const right = this.term();
      value = op.text === '+' ? value + right : value - right;
    }
    return value;
  }

  private term(): number {
    let value = this.unary();
    while (this.isOperator('*', '/', '%')) {
      const op = this.next();
      const right = this.unary();
      if (op.text === '*') {
        value *= right;
        continue;
      }
      if (right === 0) {
        const what = op.text === '/' ? 'division by zero' : 'modulo by zero';
        throw calcError(`${what} at position ${op.pos} in "${this.source}"`);
      }
      value = op.text === '/' ? value / right : value % right;
    }
    return value;
  }

  private unary(): number {
    if (this.isOperator('-', '+')) {
      const op = this.next();
      const operand = this.unary();
      return op.text === '-' ? -operand : operand;
    }
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    if (!this.isOperator('^')) return base;
    this.next();
    // The exponent is parsed as a unary, which itself may hold a power: 2^3^2 = 2^(3^2), and 2^-1 works.
    const exponent = this.unary();
    return base ** exponent;
  }

  private primary(): number {
    const token = this.peek();
    if (token.kind === 'number') {
      this.next();
      return token.value as number;
    }
    if (token.kind === '(') {
      this.next();
      const value = this.expression();
      this.expect(')', '")"');
      return value;
    }
    if (token.kind === 'name') {
      this.next();
      const name = token.text.toLowerCase();
      const fn = functions.get(name);
      if (fn) return this.call(name, fn, token);
      const constant = constants.get(name);
      if (constant !== undefined) return constant;
      throw calcError(`unknown name "${token.text}" at position ${token.pos}; known names: ${knownNames}`);
    }
    throw this.unexpected(token, 'a number, a name or "("');
  }

  private call(name: string, fn: FunctionDef, nameToken: Token): number {
    this.expect('(', `"(" after ${name}`);
    const args = [this.expression()];
    while (this.peek().kind === ',') {
      this.next();
      args.push(this.expression());
    }
    this.expect(')', '"," or ")"');
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const wanted =
        fn.maxArgs === Infinity
          ? `at least ${fn.minArgs}`
          : fn.minArgs === fn.maxArgs
            ? `${fn.minArgs}`
            : `${fn.minArgs} or ${fn.maxArgs}`;
      throw calcError(`${name} takes ${wanted} argument(s) but got ${args.length} at position ${nameToken.pos}`);
    }
    return fn.apply(args, nameToken.pos);
  }
}

/**
 * Evaluates an arithmetic expression. Throws a non-retryable {@link ToolError} naming the position for bad
 * syntax, division by zero, domain errors and results that are not finite numbers.
 */
export function evaluateExpression(source: string): number {
  const value = new Parser(source, tokenize(source)).parse();
  if (Number.isNaN(value)) throw calcError(`"${source}" does not evaluate to a number`);
  if (!Number.isFinite(value)) throw calcError(`"${source}" is too large to represent (it overflows to infinity)`);
  return value;
}

/** The calculator tool's job: the value alone, which is what the model needs to quote. */
export function calculate(args: { expression: string }): string {
  return formatNumber(evaluateExpression(args.expression));
}

/** The `calculator` tool (contract: calculatorSpec). */
export function createCalculatorTool(): DefinedTool {
  return defineTool({ ...specFields(calculatorSpec), run: calculate });
}
