/**
 * dtc's integer expressions: C operators and precedence, `?:`, all
 * arithmetic in unsigned 64 bits (so `-1` is 0xffffffffffffffff and
 * comparisons are unsigned), shifts by 64 or more giving 0, and
 * "Division by zero" reported over the span of the division.
 */
import { FdtError } from '../errors.js';
import { positionNow, T_CHAR, T_CHAR_LITERAL, T_LITERAL, type DtsLexer, type Token } from './lexer.js';
import type { SourcePosition } from '../srcpos.js';

const U64 = 0xffffffffffffffffn;

/** The parser as the expressions see it: the lookahead's fields on the lexer, Token objects only for errors. */
export interface TokenSource {
  readonly lexer: DtsLexer;
  /** The lookahead's kind (T_*), scanned if needed. */
  kind(): number;
  /** Consume the lookahead. */
  drop(): void;
  peek(): Token;
  syntaxError(tok: Token): FdtError;
}

/**
 * A value with the span it was read from, kept as numbers: most values are
 * only used for their number, so the SourcePosition is made on demand.
 */
export class IntValue {
  constructor(
    readonly value: bigint,
    /** The file of the span's last token, when it was scanned. */
    readonly file: string,
    readonly firstLine: number,
    readonly firstColumn: number,
    readonly lastLine: number,
    readonly lastColumn: number,
    /** Source of the last token, for the file name dtc would print. */
    readonly src: Token['src'],
  ) {}

  get pos(): SourcePosition {
    return { file: this.file, firstLine: this.firstLine, firstColumn: this.firstColumn, lastLine: this.lastLine, lastColumn: this.lastColumn };
  }
}

/** From the start of (`line`, `column`) to the end of `b`, in b's file (spanPositions). */
function spanFrom(value: bigint, line: number, column: number, b: IntValue): IntValue {
  return new IntValue(value, b.file, line, column, b.lastLine, b.lastColumn, b.src);
}

/*
 * Binary operators as codes: a one-char operator is its char code, a
 * two-char one 0x100 + its token kind. Binding strength by code (higher
 * binds tighter, 0 for none); all are left-associative.
 */
const OP_KIND = 0x100;
const OP_OR = OP_KIND + 25;
const OP_AND = OP_KIND + 24;
const OP_EQ = OP_KIND + 22;
const OP_NE = OP_KIND + 23;
const OP_LE = OP_KIND + 20;
const OP_GE = OP_KIND + 21;
const OP_LSHIFT = OP_KIND + 18;
const OP_RSHIFT = OP_KIND + 19;
const PRECEDENCE: Uint8Array = (() => {
  const t = new Uint8Array(0x200);
  const set = (op: number | string, prec: number): void => {
    t[typeof op === 'string' ? op.charCodeAt(0) : op] = prec;
  };
  set(OP_OR, 1);
  set(OP_AND, 2);
  set('|', 3);
  set('^', 4);
  set('&', 5);
  set(OP_EQ, 6);
  set(OP_NE, 6);
  set('<', 7);
  set('>', 7);
  set(OP_LE, 7);
  set(OP_GE, 7);
  set(OP_LSHIFT, 8);
  set(OP_RSHIFT, 8);
  set('+', 9);
  set('-', 9);
  set('*', 10);
  set('/', 10);
  set('%', 10);
  return t;
})();

function bool(b: boolean): bigint {
  return b ? 1n : 0n;
}

/** Pending work while reading one parenthesised expression. */
type Pending =
  | { kind: 'paren'; line: number; column: number } // where the `(` starts
  | { kind: 'unary'; op: number; line: number; column: number }
  | { kind: 'binary'; op: number; prec: number }
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

  /** The lookahead, a LITERAL or CHAR_LITERAL, as a value; consumes it. */
  private literal(): IntValue {
    const lx = this.ts.lexer;
    const v = new IntValue(lx.value, lx.lastFile, lx.firstLine, lx.firstColumn, lx.lastLine, lx.lastColumn, lx.lastSrc);
    this.ts.drop();
    return v;
  }

  /** dtc's integer_prim: a literal, a character literal or `( expr )`. */
  primary(): IntValue {
    const k = this.ts.kind();
    if (k === T_LITERAL || k === T_CHAR_LITERAL) return this.literal();
    if (k === T_CHAR && this.ts.lexer.ch === 0x28) return this.parenthesized();
    throw this.ts.syntaxError(this.ts.peek());
  }

  /** From the `(` (the lookahead) through its `)`. */
  private parenthesized(): IntValue {
    const ts = this.ts;
    const lx = ts.lexer;
    const ops: Pending[] = [{ kind: 'paren', line: lx.firstLine, column: lx.firstColumn }];
    ts.drop();
    const vals: IntValue[] = [];
    for (;;) {
      // Expecting an operand: prefix operators, a literal or an opening parenthesis.
      const k = ts.kind();
      if (k === T_LITERAL || k === T_CHAR_LITERAL) vals.push(this.literal());
      else if (k === T_CHAR && (lx.ch === 0x28 || lx.ch === 0x2d || lx.ch === 0x7e || lx.ch === 0x21)) {
        // ( - ~ !
        ops.push(lx.ch === 0x28 ? { kind: 'paren', line: lx.firstLine, column: lx.firstColumn } : { kind: 'unary', op: lx.ch, line: lx.firstLine, column: lx.firstColumn });
        ts.drop();
        continue;
      } else throw ts.syntaxError(ts.peek());
      // After an operand: operators and closers, until one is unexpected.
      for (;;) {
        const n = ts.kind();
        const op = n === T_CHAR ? lx.ch : OP_KIND + n;
        const prec = op < 0x200 ? PRECEDENCE[op]! : 0;
        if (prec !== 0) {
          this.reduce(ops, vals, (top) => top.kind === 'unary' || (top.kind === 'binary' && top.prec >= prec));
          ts.drop();
          ops.push({ kind: 'binary', op, prec });
          break;
        }
        if (op === 0x3f) {
          // ?
          this.reduceToOpen(ops, vals);
          ts.drop();
          ops.push({ kind: 'then', cond: vals.pop()! });
          break;
        }
        if (op === 0x3a) {
          // :
          this.reduce(ops, vals, (top) => top.kind !== 'paren' && top.kind !== 'then');
          const top = ops[ops.length - 1]!;
          if (top.kind !== 'then') throw ts.syntaxError(ts.peek());
          ts.drop();
          ops[ops.length - 1] = { kind: 'else', cond: top.cond, mid: vals.pop()! };
          break;
        }
        this.reduce(ops, vals, (top) => top.kind !== 'paren' && top.kind !== 'then');
        const top = ops[ops.length - 1]!;
        if (op !== 0x29 || top.kind !== 'paren') throw ts.syntaxError(ts.peek());
        // ): the value spans the parentheses; its file is the `)`'s
        const inner = vals.pop()!;
        const value = new IntValue(inner.value, lx.lastFile, top.line, top.column, lx.lastLine, lx.lastColumn, lx.lastSrc);
        ts.drop();
        ops.pop();
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
        const op = top.op;
        const v = op === 0x2d ? -right.value & U64 : op === 0x7e ? ~right.value & U64 : bool(right.value === 0n);
        vals.push(spanFrom(v, top.line, top.column, right));
      } else if (top.kind === 'binary') {
        const left = vals.pop()!;
        const span = spanFrom(0n, left.firstLine, left.firstColumn, right);
        vals.push(spanFrom(applyBinary(top.op, left.value, right.value, span), left.firstLine, left.firstColumn, right));
      } else if (top.kind === 'else') {
        vals.push(spanFrom(top.cond.value !== 0n ? top.mid.value : right.value, top.cond.firstLine, top.cond.firstColumn, right));
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

/** `at` gives the position of a division by zero (positionNow of the operation's span). */
function applyBinary(op: number, a: bigint, b: bigint, at: IntValue): bigint {
  switch (op) {
    case OP_OR: return bool(a !== 0n || b !== 0n);
    case OP_AND: return bool(a !== 0n && b !== 0n);
    case 0x7c: return a | b;
    case 0x5e: return a ^ b;
    case 0x26: return a & b;
    case OP_EQ: return bool(a === b);
    case OP_NE: return bool(a !== b);
    case 0x3c: return bool(a < b);
    case 0x3e: return bool(a > b);
    case OP_LE: return bool(a <= b);
    case OP_GE: return bool(a >= b);
    case OP_LSHIFT: return b < 64n ? (a << b) & U64 : 0n;
    case OP_RSHIFT: return b < 64n ? a >> b : 0n;
    case 0x2b: return (a + b) & U64;
    case 0x2d: return (a - b) & U64;
    case 0x2a: return (a * b) & U64;
    case 0x2f:
    case 0x25:
      if (b === 0n) throw new FdtError('DTS_DIV_ZERO', 'Division by zero', { position: positionNow(at), hint: 'the divisor evaluates to 0' });
      return op === 0x2f ? a / b : a % b;
    default:
      throw new FdtError('DTS_SYNTAX', 'syntax error', { position: positionNow(at) });
  }
}
