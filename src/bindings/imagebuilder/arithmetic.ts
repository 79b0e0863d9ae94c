/**
 * Bash arithmetic (`$((...))`, and the values of MEMORY_START/MEMORY_END,
 * which the script uses inside `$(( ))`): integers in 64-bit two's
 * complement, hex/octal/decimal literals, variables whose values are
 * themselves expressions, and the usual C operators. Assignment operators
 * and `++`/`--` change state, so they are refused.
 */
import { shellError } from './errors.js';

/** Binary operators by precedence level, lowest first (bash follows C). */
const LEVELS: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<=', '>=', '<', '>'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];
/** Longest first, so that `<<` is not read as `<`. */
const OPERATORS = LEVELS.flat().sort((a, b) => b.length - a.length);

function applyOp(op: string, a: bigint, b: bigint, fail: (m: string) => never): bigint {
  switch (op) {
    case '||': return a !== 0n || b !== 0n ? 1n : 0n;
    case '&&': return a !== 0n && b !== 0n ? 1n : 0n;
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '==': return a === b ? 1n : 0n;
    case '!=': return a !== b ? 1n : 0n;
    case '<=': return a <= b ? 1n : 0n;
    case '>=': return a >= b ? 1n : 0n;
    case '<': return a < b ? 1n : 0n;
    case '>': return a > b ? 1n : 0n;
    case '<<': return a << (b & 63n);
    case '>>': return a >> (b & 63n);
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': if (b === 0n) fail('division by 0'); return a / b;
    case '%': if (b === 0n) fail('division by 0'); return a % b;
    default: return fail(`unknown operator ${op}`);
  }
}

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

export function evalArithmetic(
  expr: string,
  lookup: (name: string) => string,
  file: string,
  line: number,
  column: number,
  depth = 0,
): bigint {
  let pos = 0;
  const fail = (m: string): never => {
    throw shellError('IB_ARITHMETIC', `arithmetic: ${m} in '${expr.trim()}'`, file, line, column);
  };
  if (depth > 32) fail('expression recursion level exceeded');
  const skip = (): void => {
    while (/\s/.test(expr[pos] ?? '')) pos++;
  };
  const primary = (): bigint => {
    skip();
    const ch = expr[pos] ?? '';
    if (ch === '(') {
      pos++;
      const v = binary(0);
      skip();
      if (expr[pos] !== ')') fail("missing ')'");
      pos++;
      return v;
    }
    if (ch === '-' || ch === '+' || ch === '~' || ch === '!') {
      if (expr[pos + 1] === ch && (ch === '-' || ch === '+')) fail(`'${ch}${ch}' changes a variable`);
      pos++;
      const v = primary();
      return wrap(ch === '-' ? -v : ch === '+' ? v : ch === '~' ? ~v : v === 0n ? 1n : 0n);
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(expr.slice(pos));
    if (num) {
      pos += num[0].length;
      const t = num[0];
      if (/^0[xX]/.test(t)) return wrap(BigInt(t));
      if (t.length > 1 && t.startsWith('0')) {
        if (/[89]/.test(t)) fail(`value too great for base (error token is "${t}")`);
        return wrap(BigInt(`0o${t.slice(1)}`));
      }
      return wrap(BigInt(t));
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(pos));
    if (name) {
      pos += name[0].length;
      const value = lookup(name[0]).trim();
      return value === '' ? 0n : evalArithmetic(value, lookup, file, line, column, depth + 1);
    }
    return fail(ch === '' ? 'operand expected' : `syntax error: operand expected (error token is "${expr.slice(pos)}")`);
  };
  /** The operator at `pos`, unless it is an assignment (`=`, `+=`, `<<=`, ...). */
  const operatorAt = (): string | undefined => {
    const op = OPERATORS.find((o) => expr.startsWith(o, pos));
    if (!op) return undefined;
    const comparison = op === '<=' || op === '>=' || op === '==' || op === '!=';
    return !comparison && expr[pos + op.length] === '=' ? undefined : op;
  };
  const binary = (level: number): bigint => {
    if (level >= LEVELS.length) return primary();
    let left = binary(level + 1);
    for (;;) {
      skip();
      const op = operatorAt();
      if (!op || !LEVELS[level]!.includes(op)) return left;
      pos += op.length;
      const right = binary(level + 1);
      left = wrap(applyOp(op, left, right, fail));
    }
  };
  const v = binary(0);
  skip();
  if (pos < expr.length) {
    if (expr[pos] === '=' || expr.startsWith('++', pos) || expr.startsWith('--', pos)) fail('assignment changes a variable');
    fail(`syntax error in expression (error token is "${expr.slice(pos)}")`);
  }
  return v;
}
