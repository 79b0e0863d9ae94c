/**
 * dtc's integer expressions: C operators and precedence, `?:`, all
 * arithmetic in unsigned 64 bits (so `-1` is 0xffffffffffffffff and
 * comparisons are unsigned), shifts by 64 or more giving 0, and
 * "Division by zero" reported over the span of the division.
 */
import { FdtError } from '../errors.js';
import { positionNow, type Token } from './lexer.js';
import { spanPositions, type SourcePosition } from '../srcpos.js';

const U64 = 0xffffffffffffffffn;

export interface TokenSource {
  peek(): Token;
  next(): Token;
  syntaxError(tok: Token): FdtError;
}

export interface IntValue {
  value: bigint;
  pos: SourcePosition;
  /** Source of the last token, for the file name dtc would print. */
  src: Token['src'];
}

/** Binding strength of each binary operator (higher binds tighter); all are left-associative. */
const PRECEDENCE: Readonly<Record<string, number>> = {
  OR: 1,
  AND: 2,
  '|': 3,
  '^': 4,
  '&': 5,
  EQ: 6,
  NE: 6,
  '<': 7,
  '>': 7,
  LE: 7,
  GE: 7,
  LSHIFT: 8,
  RSHIFT: 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

function opName(t: Token): string {
  return t.kind === 'CHAR' ? t.text : t.kind;
}

function bool(b: boolean): bigint {
  return b ? 1n : 0n;
}

function isChar(t: Token, c: string): boolean {
  return t.kind === 'CHAR' && t.text === c;
}

/** Pending work while reading one parenthesised expression. */
type Pending =
  | { kind: 'paren'; open: Token }
  | { kind: 'unary'; op: Token }
  | { kind: 'binary'; op: string; prec: number }
  | { kind: 'then'; cond: IntValue } // `cond ?` seen, waiting for `:`
  | { kind: 'else'; cond: IntValue; mid: IntValue }; // `cond ? mid :` seen, waiting for the else value

/**
 * dtc's integer expressions, read with explicit stacks (operator
 * precedence) instead of recursion, so nesting depth is bounded by memory,
 * not by the JS stack. Errors come at the token where dtc's LALR parser
 * reports them, and pending operations are evaluated before a syntax error
 * is raised, as bison's default reductions do.
 */
export class ExpressionParser {
  constructor(private readonly ts: TokenSource) {}

  /** dtc's integer_prim: a literal, a character literal or `( expr )`. */
  primary(): IntValue {
    const t = this.ts.next();
    if (t.kind === 'LITERAL' || t.kind === 'CHAR_LITERAL') return { value: t.value, pos: t.pos, src: t.src };
    if (isChar(t, '(')) return this.parenthesized(t);
    throw this.ts.syntaxError(t);
  }

  private parenthesized(open: Token): IntValue {
    const ops: Pending[] = [{ kind: 'paren', open }];
    const vals: IntValue[] = [];
    for (;;) {
      // Expecting an operand: prefix operators, a literal or an opening parenthesis.
      const t = this.ts.next();
      if (t.kind === 'LITERAL' || t.kind === 'CHAR_LITERAL') vals.push({ value: t.value, pos: t.pos, src: t.src });
      else if (isChar(t, '(')) {
        ops.push({ kind: 'paren', open: t });
        continue;
      } else if (isChar(t, '-') || isChar(t, '~') || isChar(t, '!')) {
        ops.push({ kind: 'unary', op: t });
        continue;
      } else throw this.ts.syntaxError(t);
      // After an operand: operators and closers, until one is unexpected.
      for (;;) {
        const n = this.ts.peek();
        const prec = PRECEDENCE[opName(n)];
        if (prec !== undefined) {
          this.reduce(ops, vals, (top) => top.kind === 'unary' || (top.kind === 'binary' && top.prec >= prec));
          this.ts.next();
          ops.push({ kind: 'binary', op: opName(n), prec });
          break;
        }
        if (isChar(n, '?')) {
          this.reduceToOpen(ops, vals);
          this.ts.next();
          ops.push({ kind: 'then', cond: vals.pop()! });
          break;
        }
        if (isChar(n, ':')) {
          this.reduce(ops, vals, (top) => top.kind !== 'paren' && top.kind !== 'then');
          const top = ops[ops.length - 1]!;
          if (top.kind !== 'then') throw this.ts.syntaxError(n);
          this.ts.next();
          ops[ops.length - 1] = { kind: 'else', cond: top.cond, mid: vals.pop()! };
          break;
        }
        this.reduce(ops, vals, (top) => top.kind !== 'paren' && top.kind !== 'then');
        const top = ops[ops.length - 1]!;
        if (!isChar(n, ')') || top.kind !== 'paren') throw this.ts.syntaxError(n);
        this.ts.next();
        ops.pop();
        const inner = vals.pop()!;
        const value = { value: inner.value, pos: spanPositions(top.open.pos, n.pos), src: n.src };
        if (!ops.length) return value;
        vals.push(value);
      }
    }
  }

  /** Evaluate pending operators while `more(top)` holds. */
  private reduce(ops: Pending[], vals: IntValue[], more: (top: Pending) => boolean): void {
    while (ops.length && more(ops[ops.length - 1]!)) {
      const top = ops.pop()!;
      const right = vals.pop()!;
      if (top.kind === 'unary') {
        const op = top.op.text;
        const v = op === '-' ? -right.value & U64 : op === '~' ? ~right.value & U64 : bool(right.value === 0n);
        vals.push({ value: v, pos: spanPositions(top.op.pos, right.pos), src: right.src });
      } else if (top.kind === 'binary') {
        const left = vals.pop()!;
        const pos = spanPositions(left.pos, right.pos);
        vals.push({ value: applyBinary(top.op, left.value, right.value, positionNow({ pos, src: right.src })), pos, src: right.src });
      } else if (top.kind === 'else') {
        const pos = spanPositions(top.cond.pos, right.pos);
        vals.push({ value: top.cond.value !== 0n ? top.mid.value : right.value, pos, src: right.src });
      } else {
        throw new Error('unreachable: reduce stops at parentheses and open ternaries');
      }
    }
  }

  /** A `?` takes everything back to the nearest `(`, `?` or pending else part as its condition. */
  private reduceToOpen(ops: Pending[], vals: IntValue[]): void {
    this.reduce(ops, vals, (top) => top.kind === 'unary' || top.kind === 'binary');
  }
}

function applyBinary(op: string, a: bigint, b: bigint, pos: SourcePosition): bigint {
  switch (op) {
    case 'OR': return bool(a !== 0n || b !== 0n);
    case 'AND': return bool(a !== 0n && b !== 0n);
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case 'EQ': return bool(a === b);
    case 'NE': return bool(a !== b);
    case '<': return bool(a < b);
    case '>': return bool(a > b);
    case 'LE': return bool(a <= b);
    case 'GE': return bool(a >= b);
    case 'LSHIFT': return b < 64n ? (a << b) & U64 : 0n;
    case 'RSHIFT': return b < 64n ? a >> b : 0n;
    case '+': return (a + b) & U64;
    case '-': return (a - b) & U64;
    case '*': return (a * b) & U64;
    case '/':
    case '%':
      if (b === 0n) throw new FdtError('DTS_DIV_ZERO', 'Division by zero', { position: pos, hint: 'the divisor evaluates to 0' });
      return op === '/' ? a / b : a % b;
    default:
      throw new FdtError('DTS_SYNTAX', 'syntax error', { position: pos });
  }
}
