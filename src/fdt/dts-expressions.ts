/**
 * dtc's integer expressions: C operators and precedence, `?:`, all
 * arithmetic in unsigned 64 bits (so `-1` is 0xffffffffffffffff and
 * comparisons are unsigned), shifts by 64 or more giving 0, and
 * "Division by zero" reported over the span of the division.
 */
import { FdtError } from './errors.js';
import { positionNow, type Token } from './dts-lexer.js';
import { spanPositions, type SourcePosition } from './srcpos.js';

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

/** Parentheses/`?:` nesting allowed before giving up (dtc's parser stack gives out near 10000). */
const MAX_NESTING = 1000;

function opName(t: Token): string {
  return t.kind === 'CHAR' ? t.text : t.kind;
}

function bool(b: boolean): bigint {
  return b ? 1n : 0n;
}

export class ExpressionParser {
  private depth = 0;

  constructor(private readonly ts: TokenSource) {}

  /** dtc's integer_prim: a literal, a character literal or `( expr )`. */
  primary(): IntValue {
    const t = this.ts.next();
    if (t.kind === 'LITERAL' || t.kind === 'CHAR_LITERAL') return { value: t.value, pos: t.pos, src: t.src };
    if (t.kind === 'CHAR' && t.text === '(') {
      if (++this.depth > MAX_NESTING) {
        throw new FdtError('DTS_TOO_DEEP', 'memory exhausted', { position: t.pos, hint: `expressions nest at most ${MAX_NESTING} deep` });
      }
      const inner = this.expression();
      const close = this.ts.next();
      if (close.kind !== 'CHAR' || close.text !== ')') throw this.ts.syntaxError(close);
      this.depth--;
      return { value: inner.value, pos: spanPositions(t.pos, close.pos), src: close.src };
    }
    throw this.ts.syntaxError(t);
  }

  /** integer_expr / integer_trinary: `a ? b : c ? d : e` groups to the right. */
  expression(): IntValue {
    const arms: Array<[IntValue, IntValue]> = [];
    let last = this.binary(1);
    while (this.isChar(this.ts.peek(), '?')) {
      this.ts.next();
      if (++this.depth > MAX_NESTING) {
        throw new FdtError('DTS_TOO_DEEP', 'memory exhausted', { position: this.ts.peek().pos, hint: `expressions nest at most ${MAX_NESTING} deep` });
      }
      const mid = this.expression();
      this.depth--;
      const colon = this.ts.next();
      if (!this.isChar(colon, ':')) throw this.ts.syntaxError(colon);
      arms.push([last, mid]);
      last = this.binary(1);
    }
    let result = last;
    for (let i = arms.length - 1; i >= 0; i--) {
      const [cond, mid] = arms[i]!;
      result = { value: cond.value !== 0n ? mid.value : result.value, pos: spanPositions(cond.pos, result.pos), src: result.src };
    }
    return result;
  }

  private isChar(t: Token, c: string): boolean {
    return t.kind === 'CHAR' && t.text === c;
  }

  private binary(minPrec: number): IntValue {
    let left = this.unary();
    for (;;) {
      const op = opName(this.ts.peek());
      const prec = PRECEDENCE[op];
      if (prec === undefined || prec < minPrec) return left;
      this.ts.next();
      const right = this.binary(prec + 1);
      const pos = spanPositions(left.pos, right.pos);
      left = { value: applyBinary(op, left.value, right.value, positionNow({ pos, src: right.src })), pos, src: right.src };
    }
  }

  private unary(): IntValue {
    const ops: Token[] = [];
    for (;;) {
      const t = this.ts.peek();
      if (t.kind === 'CHAR' && (t.text === '-' || t.text === '~' || t.text === '!')) ops.push(this.ts.next());
      else break;
    }
    const operand = this.primary();
    let v = operand.value;
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!.text;
      v = op === '-' ? (-v) & U64 : op === '~' ? ~v & U64 : bool(v === 0n);
    }
    return { value: v, pos: ops.length ? spanPositions(ops[0]!.pos, operand.pos) : operand.pos, src: operand.src };
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
