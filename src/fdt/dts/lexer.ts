/**
 * The DTS tokenizer, following dtc 1.6.1's flex scanner: the same start
 * conditions (INITIAL, V1, BYTESTRING, PROPNODENAME), longest match with
 * ties going to the earlier rule, `/include/` and cpp line markers handled
 * inside the scanner, and positions counted the way dtc's srcpos_update does
 * (bytes, tabs as one column, the end column one past the last byte).
 */
import { Buffer } from 'node:buffer';
import { posix } from 'node:path';
import { ValueBuilder, type PropertyValue } from '../tree/data.js';
import { FdtError } from '../errors.js';
import { SourceFiles, dirnameOf } from './source-files.js';
import type { SourcePosition } from '../srcpos.js';

export type TokenKind =
  | 'V1'
  | 'PLUGIN'
  | 'MEMRESERVE'
  | 'BITS'
  | 'DEL_PROP'
  | 'DEL_NODE'
  | 'OMIT_NO_REF'
  | 'INCBIN'
  | 'LSHIFT'
  | 'RSHIFT'
  | 'LE'
  | 'GE'
  | 'EQ'
  | 'NE'
  | 'AND'
  | 'OR'
  | 'PROPNODENAME'
  | 'LITERAL'
  | 'CHAR_LITERAL'
  | 'BYTE'
  | 'STRING'
  | 'LABEL'
  | 'LABEL_REF'
  | 'PATH_REF'
  | 'CHAR'
  | 'EOF';

/**
 * One token. The span is kept as plain numbers and turned into a
 * SourcePosition only when asked for: most tokens (cells, punctuation) are
 * never asked, and one object per token was a large share of the parser's
 * garbage. Integer values likewise stay plain numbers up to 2^53 and become
 * BigInts on first use.
 */
export class Token {
  /** STRING contents (escapes processed, NUL added, `string` marker at 0). */
  data: PropertyValue | undefined = undefined;
  private cachedPos: SourcePosition | undefined = undefined;
  private big: bigint | undefined;

  constructor(
    readonly kind: TokenKind,
    /** Names, labels, references, the character of a CHAR token. */
    readonly text: string,
    /** The file the token came from; its name follows later line markers, as dtc's srcpos does. */
    readonly src: { readonly name: string },
    private readonly file: string,
    private readonly firstLine: number,
    private readonly firstColumn: number,
    private readonly lastLine: number,
    private readonly lastColumn: number,
    /** LITERAL, CHAR_LITERAL and BYTE values that are exact as a number (below 2^53), else -1. */
    readonly small: number,
    big?: bigint,
  ) {
    this.big = big;
  }

  /** LITERAL, CHAR_LITERAL and BYTE values. */
  get value(): bigint {
    return (this.big ??= BigInt(this.small));
  }

  get pos(): SourcePosition {
    return (this.cachedPos ??= {
      file: this.file,
      firstLine: this.firstLine,
      firstColumn: this.firstColumn,
      lastLine: this.lastLine,
      lastColumn: this.lastColumn,
    });
  }
}

/**
 * The token's position with the file name its source has *now*: dtc's
 * positions point at the file state, so a line marker read after the token
 * renames it in messages and in positions copied later.
 */
export function positionNow(tok: Pick<Token, 'pos' | 'src'>): SourcePosition {
  return tok.src.name === tok.pos.file ? tok.pos : { ...tok.pos, file: tok.src.name };
}

type StartCondition = 'INITIAL' | 'V1' | 'BYTESTRING' | 'PROPNODENAME';

interface SourceBuffer {
  text: string; // one char per byte (latin1)
  at: number;
  name: string; // changes with line markers
  dir: string | undefined; // fixed at open, as in dtc
  path: string; // as opened, for cycle detection
  line: number;
  col: number;
  noCommentEndFrom?: number;
  /** Offset of the first newline at or after `at` (text.length when none): tokens that end before it need no per-char line count. */
  nextNewline: number;
}

const KEYWORDS: ReadonlyArray<[string, TokenKind]> = [
  ['/dts-v1/', 'V1'],
  ['/plugin/', 'PLUGIN'],
  ['/memreserve/', 'MEMRESERVE'],
  ['/bits/', 'BITS'],
  ['/delete-property/', 'DEL_PROP'],
  ['/delete-node/', 'DEL_NODE'],
  ['/omit-if-no-ref/', 'OMIT_NO_REF'],
];

/**
 * The two-char operator starting at `at`, if any. Compares char codes instead
 * of looking up a two-char substring: `<`, `>`, `=` and `&` start most cells
 * and properties, so this runs for a large share of all tokens.
 */
function operatorAt(text: string, at: number): TokenKind | undefined {
  const a = text.charCodeAt(at);
  const b = text.charCodeAt(at + 1);
  switch (a) {
    case 0x3c: // <
      return b === 0x3c ? 'LSHIFT' : b === 0x3d ? 'LE' : undefined;
    case 0x3e: // >
      return b === 0x3e ? 'RSHIFT' : b === 0x3d ? 'GE' : undefined;
    case 0x3d: // =
      return b === 0x3d ? 'EQ' : undefined;
    case 0x21: // !
      return b === 0x3d ? 'NE' : undefined;
    case 0x26: // &
      return b === 0x26 ? 'AND' : undefined;
    case 0x7c: // |
      return b === 0x7c ? 'OR' : undefined;
    default:
      return undefined;
  }
}

// Rule numbers: ties between equally long matches go to the lower number (flex's rule order).
const R_INCLUDE = 1;
const R_LINE = 2;
const R_STRING = 4;
const R_KEYWORD = 5;
const R_LABEL = 12;
const R_LITERAL = 13;
const R_CHARLIT = 14;
const R_LABELREF = 15;
const R_PATHREF = 16;
const R_BYTE = 17;
const R_RBRACKET = 18;
const R_PROPNODENAME = 19;
const R_INCBIN = 20;
const R_OPERATOR = 24;
const R_ANY = 32;

const RE_INCLUDE = /\/include\/[ \t\n\v\f\r]*"(?:[^\\"]|\\[^\n])*"/y;
const RE_LINE = /#(?:line)?[ \t]+([0-9]+)[ \t]+"(?:[^\\"]|\\[^\n])*"(?:[ \t]+[0-9]+)*/y;
const RE_STRING = /"(?:[^\\"]|\\[^\n])*"/y;
const RE_LABELREF = /&[a-zA-Z_][a-zA-Z0-9_]*/y;
const RE_PATHREF = /&\{\/[a-zA-Z0-9,._+*#?@\-/]*\}/y;
const RE_BYTE = /[0-9a-fA-F]{2}/y;
const RE_LINECOMMENT = /\/\/[^\n]*\n/y;

/** C isspace in the C locale: space, \t \n \v \f \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function spaceLength(text: string, at: number): number {
  let end = at;
  while (end < text.length && isSpace(text.charCodeAt(end))) end++;
  return end - at;
}

/*
 * The most frequent rules (names, labels, numbers) are matched by loops over
 * char-class tables below instead of sticky regexes: a regex call per
 * candidate rule per token was the lexer's largest cost.
 */

function charClass(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** dtc's PROPNODECHAR: [a-zA-Z0-9,._+*#?@-] */
const PROPNODE_CHARS = charClass(`${ALNUM},._+*#?@-`);
/** Label characters after the first: [a-zA-Z0-9_] */
const LABEL_CHARS = charClass(`${ALNUM}_`);
const DIGITS = charClass('0123456789');
const HEX_DIGITS = charClass('0123456789abcdefABCDEF');

/** Length of the run of `table` chars from `at` (the text is latin1: char codes below 0x100). */
function runLength(text: string, at: number, table: Uint8Array): number {
  let end = at;
  while (end < text.length && table[text.charCodeAt(end)] === 1) end++;
  return end - at;
}

/** `\\?{PROPNODECHAR}+` */
function propNodeNameLength(text: string, at: number): number {
  if (text.charCodeAt(at) === 0x5c) {
    const n = runLength(text, at + 1, PROPNODE_CHARS);
    return n > 0 ? n + 1 : 0;
  }
  return runLength(text, at, PROPNODE_CHARS);
}

/** `[a-zA-Z_][a-zA-Z0-9_]*:`, called only where isLabelStart holds. */
function labelLength(text: string, at: number): number {
  const end = at + 1 + runLength(text, at + 1, LABEL_CHARS);
  return text.charCodeAt(end) === 0x3a ? end + 1 - at : 0;
}

const LITERAL_SUFFIXES = ['ULL', 'UL', 'LL', 'U', 'L'];

/**
 * `(0[xX][0-9a-fA-F]+|[0-9]+)(ULL|UL|LL|U|L)?` with the regex's choices:
 * the first alternative that matches, not the longest (`0x` without hex
 * digits is the literal `0`). Called only at a digit.
 */
function literalLength(text: string, at: number): number {
  let end = at;
  const x = text.charCodeAt(at + 1);
  const hexDigits = text.charCodeAt(at) === 0x30 && (x === 0x78 || x === 0x58) ? runLength(text, at + 2, HEX_DIGITS) : 0;
  end += hexDigits > 0 ? 2 + hexDigits : runLength(text, at, DIGITS);
  // Nearly every literal has no suffix: one char test instead of five startsWith calls.
  const next = text.charCodeAt(end);
  if (next !== 0x55 && next !== 0x4c) return end - at;
  for (const suffix of LITERAL_SUFFIXES) {
    if (text.startsWith(suffix, end)) return end + suffix.length - at;
  }
  return end - at;
}

function isLabelStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function matchLength(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.test(text) ? re.lastIndex - at : 0;
}

/** Longest match of dtc's CHAR_LITERAL `'([^']|\\')*'` (flex is POSIX-longest, JS regexes are not). */
function charLiteralLength(text: string, at: number): number {
  let best = 0;
  let reach = new Set<number>([at + 1]);
  while (reach.size) {
    const next = new Set<number>();
    for (const i of reach) {
      if (i >= text.length) continue;
      const c = text[i];
      if (c === "'") best = Math.max(best, i + 1 - at);
      else next.add(i + 1);
      if (c === '\\' && text[i + 1] === "'") next.add(i + 2);
    }
    reach = next;
  }
  return best;
}

/**
 * dtc's data_copy_escape_string over `text[from, to)`. Like dtc, an escape at
 * the very end may read the closing quote that follows (`'\'` is a quote).
 */
/** The char at `k`, or NUL past the end (flex NUL-terminates yytext). */
function charAt(text: string, k: number): string {
  return k < text.length ? text[k]! : '\0';
}

export function unescapeString(text: string, from: number, to: number, where: { readonly pos: SourcePosition }): ValueBuilder {
  const b = new ValueBuilder(to - from + 1);
  b.addMarker('string');
  let i = from;
  while (i < to) {
    let c = text.charCodeAt(i++);
    if (c === 0x5c) {
      const e = charAt(text, i);
      let j = i + 1;
      switch (e) {
        case 'a': c = 7; break;
        case 'b': c = 8; break;
        case 't': c = 9; break;
        case 'n': c = 10; break;
        case 'v': c = 11; break;
        case 'f': c = 12; break;
        case 'r': c = 13; break;
        case 'x': {
          let digits = '';
          while (digits.length < 2 && /[0-9a-fA-F]/.test(charAt(text, j))) digits += charAt(text, j++);
          if (!digits) {
            throw new FdtError('DTS_BAD_ESCAPE', '\\x used with no following hex digits', {
              position: where.pos,
              hint: 'write \\x followed by one or two hex digits',
            });
          }
          c = parseInt(digits, 16);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            let digits = e;
            while (digits.length < 3 && charAt(text, j) >= '0' && charAt(text, j) <= '7') digits += charAt(text, j++);
            c = parseInt(digits, 8) & 0xff;
          } else {
            c = e.charCodeAt(0);
          }
      }
      i = j;
    }
    b.appendByte(c);
  }
  b.appendByte(0);
  return b;
}

/** One char per byte, so offsets and columns count bytes as dtc does. */
function toLatin1(src: Uint8Array | string): string {
  const bytes = typeof src === 'string' ? Buffer.from(src, 'utf8') : Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  return bytes.toString('latin1');
}

function sourceBuffer(text: string, name: string, path: string): SourceBuffer {
  const nl = text.indexOf('\n');
  return { text, at: 0, name, dir: dirnameOf(name), path, line: 1, col: 1, nextNewline: nl < 0 ? text.length : nl };
}

export interface LexerOptions {
  file: string;
  files: SourceFiles;
  maxIncludeDepth: number;
}

export class DtsLexer {
  private readonly stack: SourceBuffer[] = [];
  private state: StartCondition = 'INITIAL';
  // The span of the most recent match (dtc's yylloc), as numbers: see Token.
  private lastFile: string;
  private firstLine = 0;
  private firstColumn = 0;
  private lastLine = 0;
  private lastColumn = 0;
  private lastSrc: { readonly name: string };
  private readonly files: SourceFiles;
  private readonly maxDepth: number;

  constructor(source: Uint8Array | string, opts: LexerOptions) {
    this.files = opts.files;
    this.maxDepth = opts.maxIncludeDepth;
    this.stack.push(sourceBuffer(toLatin1(source), opts.file, posix.normalize(opts.file)));
    // Before the first token dtc's yylloc is all zero: an empty file fails at "file:0.0".
    this.lastFile = opts.file;
    this.lastSrc = this.stack[0]!;
  }

  /** Directory of the file being scanned (where /incbin/ looks first). */
  get currentDir(): string | undefined {
    return this.stack[this.stack.length - 1]!.dir;
  }

  /** Position of the most recent token (dtc's yylloc). */
  get position(): SourcePosition {
    return this.token('EOF', '').pos;
  }

  next(): Token {
    for (;;) {
      const buf = this.stack[this.stack.length - 1]!;
      if (buf.at >= buf.text.length) {
        // End of an included file resumes the includer; positions are left alone (no YY_USER_ACTION on EOF).
        if (this.stack.length === 1) return this.token('EOF', '');
        this.stack.pop();
        continue;
      }
      const tok = this.scan(buf);
      if (tok) return tok;
    }
  }

  // Length of a complete C comment at `at`, or 0; remembering a missing terminator keeps this linear.
  private commentLength(text: string, at: number): number {
    if (text[at] !== '/' || text[at + 1] !== '*') return 0;
    const buf = this.stack[this.stack.length - 1]!;
    if (buf.noCommentEndFrom !== undefined && at >= buf.noCommentEndFrom) return 0;
    const end = text.indexOf('*/', at + 2);
    if (end < 0) {
      buf.noCommentEndFrom = at;
      return 0;
    }
    return end + 2 - at;
  }

  /** Advance over `len` bytes, updating line/column and the last span. */
  private consume(buf: SourceBuffer, len: number): void {
    const firstLine = buf.line;
    const firstColumn = buf.col;
    const end = buf.at + len;
    let line = buf.line;
    let col = buf.col;
    if (end <= buf.nextNewline) {
      // Most tokens (names, numbers, punctuation) end before the next newline: no need to look at their bytes.
      col += len;
    } else {
      // Text, line and column in locals: this runs over every byte of multi-line spans.
      const text = buf.text;
      let lastNl = -1;
      for (let i = buf.at; i < end; i++) {
        if (text.charCodeAt(i) === 10) {
          line++;
          lastNl = i;
        }
      }
      col = lastNl < 0 ? col + len : end - lastNl;
      const nl = text.indexOf('\n', end);
      buf.nextNewline = nl < 0 ? text.length : nl;
    }
    buf.line = line;
    buf.col = col;
    buf.at = end;
    this.lastFile = buf.name;
    this.firstLine = firstLine;
    this.firstColumn = firstColumn;
    this.lastLine = line;
    this.lastColumn = col;
    this.lastSrc = buf;
  }

  /** A token spanning the last match; `small` -1 with `big` for integers beyond 2^53. */
  private token(kind: TokenKind, text: string, small = 0, big?: bigint): Token {
    return new Token(kind, text, this.lastSrc, this.lastFile, this.firstLine, this.firstColumn, this.lastLine, this.lastColumn, small, big);
  }

  // The best match so far while scanning one token (fields, not a closure: this runs per token).
  private bestLen = 0;
  private bestRule = R_ANY;
  private bestKind: TokenKind = 'CHAR';

  private offer(len: number, rule: number, kind: TokenKind): void {
    if (len > this.bestLen || (len === this.bestLen && len > 0 && rule < this.bestRule)) {
      this.bestLen = len;
      this.bestRule = rule;
      this.bestKind = kind;
    }
  }

  /** Scan one rule match; returns a token, or undefined for skipped text. */
  private scan(buf: SourceBuffer): Token | undefined {
    const { text, at } = buf;
    const c = text[at]!;
    const st = this.state;
    if (isSpace(text.charCodeAt(at))) {
      this.consume(buf, spaceLength(text, at));
      return undefined;
    }
    this.bestLen = 1;
    this.bestRule = R_ANY;
    this.bestKind = 'CHAR';
    if (c === '/') {
      // flex matches {COMMENT}+ and {LINECOMMENT}+: adjacent comments of one kind are one span.
      let cl = this.commentLength(text, at);
      if (cl) {
        for (let more; (more = this.commentLength(text, at + cl)); ) cl += more;
      } else {
        cl = matchLength(RE_LINECOMMENT, text, at);
        if (cl) for (let more; (more = matchLength(RE_LINECOMMENT, text, at + cl)); ) cl += more;
      }
      if (cl) {
        this.consume(buf, cl);
        return undefined;
      }
      this.offer(matchLength(RE_INCLUDE, text, at), R_INCLUDE, 'CHAR');
      for (const [kw, k] of KEYWORDS) if (text.startsWith(kw, at)) this.offer(kw.length, R_KEYWORD, k);
      if ((st === 'INITIAL' || st === 'V1') && text.startsWith('/incbin/', at)) this.offer(8, R_INCBIN, 'INCBIN');
    } else if (c === '"') {
      this.offer(matchLength(RE_STRING, text, at), R_STRING, 'STRING');
    } else if (c === "'") {
      this.offer(charLiteralLength(text, at), R_CHARLIT, 'CHAR_LITERAL');
    } else if (c === '&') {
      this.offer(matchLength(RE_LABELREF, text, at), R_LABELREF, 'LABEL_REF');
      this.offer(matchLength(RE_PATHREF, text, at), R_PATHREF, 'PATH_REF');
    } else if (c === '#' && (at === 0 || text[at - 1] === '\n')) {
      this.offer(matchLength(RE_LINE, text, at), R_LINE, 'CHAR');
    }
    const code = text.charCodeAt(at);
    const op = operatorAt(text, at);
    if (op) this.offer(2, R_OPERATOR, op);
    if (isLabelStart(code)) this.offer(labelLength(text, at), R_LABEL, 'LABEL');
    if (st === 'V1' && code >= 0x30 && code <= 0x39) this.offer(literalLength(text, at), R_LITERAL, 'LITERAL');
    if (st === 'BYTESTRING') {
      this.offer(matchLength(RE_BYTE, text, at), R_BYTE, 'BYTE');
      if (c === ']') this.offer(1, R_RBRACKET, 'CHAR');
    }
    if (st === 'PROPNODENAME') this.offer(propNodeNameLength(text, at), R_PROPNODENAME, 'PROPNODENAME');

    const len = this.bestLen;
    this.consume(buf, len);
    return this.act(this.bestRule, this.bestKind, text.slice(at, at + len), buf, at);
  }

  private act(rule: number, kind: TokenKind, lexeme: string, buf: SourceBuffer, start: number): Token | undefined {
    switch (rule) {
      case R_INCLUDE:
        this.pushInclude(lexeme.slice(lexeme.indexOf('"') + 1, -1), this.token('CHAR', lexeme).pos);
        return undefined;
      case R_LINE:
        this.lineMarker(lexeme, this.token('CHAR', lexeme), buf);
        return undefined;
      case R_STRING: {
        const tok = this.token('STRING', lexeme);
        tok.data = unescapeString(buf.text, start + 1, start + lexeme.length - 1, tok).build();
        return tok;
      }
      case R_KEYWORD:
        if (kind === 'V1' || kind === 'MEMRESERVE' || kind === 'BITS') this.state = 'V1';
        else if (kind !== 'PLUGIN') this.state = 'PROPNODENAME';
        return this.token(kind, lexeme);
      case R_LABEL:
        return this.token('LABEL', lexeme.slice(0, -1));
      case R_LITERAL:
        return this.literalToken(lexeme);
      case R_CHARLIT: {
        const tok = this.token('CHAR_LITERAL', lexeme);
        return this.token('CHAR_LITERAL', lexeme, charLiteralValue(buf.text, start, lexeme.length, tok));
      }
      case R_LABELREF:
        return this.token('LABEL_REF', lexeme.slice(1));
      case R_PATHREF:
        return this.token('PATH_REF', lexeme.slice(2, -1));
      case R_BYTE:
        return this.token('BYTE', lexeme, parseInt(lexeme, 16));
      case R_RBRACKET:
        this.state = 'V1';
        return this.token('CHAR', ']');
      case R_PROPNODENAME:
        this.state = 'V1';
        return this.token('PROPNODENAME', lexeme.startsWith('\\') ? lexeme.slice(1) : lexeme);
      case R_INCBIN:
      case R_OPERATOR:
        return this.token(kind, lexeme);
      default: {
        if (lexeme === '[') this.state = 'BYTESTRING';
        else if (lexeme === '{' || lexeme === ';') this.state = 'PROPNODENAME';
        // dtc returns the byte as a (signed, on x86) char: NUL is token 0 and bytes >= 0x80 are
        // negative, and bison takes any token <= 0 as the end of input.
        const code = lexeme.charCodeAt(0);
        if (code === 0 || code >= 0x80) return this.token('EOF', '');
        return this.token('CHAR', lexeme);
      }
    }
  }

  /** Short plain literals (most cells) are parsed as numbers; the rest by the general BigInt path. */
  private literalToken(lexeme: string): Token {
    const small = plainLiteralValue(lexeme);
    if (small >= 0) return this.token('LITERAL', lexeme, small);
    const tok = this.token('LITERAL', lexeme);
    const big = parseLiteral(lexeme, tok);
    return big <= MAX_EXACT ? this.token('LITERAL', lexeme, Number(big)) : this.token('LITERAL', lexeme, -1, big);
  }

  private lineMarker(lexeme: string, at: Token, buf: SourceBuffer): void {
    const pos = at.pos;
    const m = /[0-9]+/.exec(lexeme)!;
    const q1 = lexeme.indexOf('"');
    const q2 = lexeme.lastIndexOf('"');
    const fn = unescapeString(lexeme, q1 + 1, q2, at).build().bytes;
    if (fn.indexOf(0) !== fn.length - 1) {
      throw new FdtError('DTS_BAD_LINE_MARKER', 'nul in line number directive', { position: pos, hint: 'remove the \\0 from the file name' });
    }
    buf.name = toLatin1(fn.subarray(0, fn.length - 1));
    // The marker names the line that follows it; the newline after the marker adds the one.
    // atoi: strtol saturates at LONG_MAX, then the result is truncated to an int.
    const n = BigInt(m[0]);
    buf.line = Number(BigInt.asIntN(32, n > 0x7fffffffffffffffn ? 0x7fffffffffffffffn : n)) - 1;
  }

  private pushInclude(name: string, pos: SourcePosition): void {
    if (this.stack.length >= this.maxDepth) {
      throw new FdtError('DTS_INCLUDE_DEPTH', 'Includes nested too deeply', {
        position: pos,
        hint: `/include/ nests more than ${this.maxDepth} files deep`,
      });
    }
    const opened = this.files.open(name, this.currentDir, pos);
    const path = posix.normalize(opened.name);
    if (this.stack.some((b) => b.path === path)) {
      throw new FdtError('DTS_INCLUDE_CYCLE', `Includes nested too deeply: "${opened.name}" is already being included`, {
        position: pos,
        hint: `include cycle: ${[...this.stack.map((b) => b.path), opened.name].join(' -> ')}`,
      });
    }
    this.stack.push(sourceBuffer(toLatin1(opened.bytes), opened.name, path));
  }
}

/** Integers up to here are exact as numbers. */
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The value of `0x` with 1 to 13 hex digits, or of a decimal of at most 15
 * digits, and nothing else: both exact as numbers. -1 for any other literal.
 */
function plainLiteralValue(lexeme: string): number {
  const n = lexeme.length;
  if (n >= 3 && n <= 15 && lexeme.charCodeAt(0) === 0x30 && (lexeme[1] === 'x' || lexeme[1] === 'X')) {
    for (let i = 2; i < n; i++) if (HEX_DIGITS[lexeme.charCodeAt(i)] !== 1) return -1;
    return Number(lexeme);
  }
  if (n > 15 || (n > 1 && lexeme.charCodeAt(0) === 0x30)) return -1;
  for (let i = 0; i < n; i++) if (DIGITS[lexeme.charCodeAt(i)] !== 1) return -1;
  return Number(lexeme);
}

function parseLiteral(lexeme: string, where: { readonly pos: SourcePosition }): bigint {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(.*)$/.exec(lexeme)!;
  // strtoull(…, 0) stops at the first bad digit (an 8 or 9 in an octal literal); only U/L may follow.
  const digits = m[1]!;
  const rest = m[2]!;
  if (rest && !/^[UL]*$/.test(rest)) {
    throw new FdtError('DTS_BAD_LITERAL', `Bad integer literal '${lexeme}'`, { position: where.pos, hint: 'octal literals (leading 0) take digits 0-7 only' });
  }
  const v = digits.length > 1 && digits[0] === '0' && digits[1] !== 'x' && digits[1] !== 'X' ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
  if (v > 0xffffffffffffffffn) {
    throw new FdtError('DTS_BAD_LITERAL', `Integer literal '${lexeme}' out of range`, { position: where.pos, hint: 'integers are at most 64 bits' });
  }
  return v;
}

function charLiteralValue(text: string, start: number, len: number, where: { readonly pos: SourcePosition }): number {
  const b = unescapeString(text, start + 1, start + len - 1, where).build().bytes;
  if (b.length === 1) throw new FdtError('DTS_BAD_LITERAL', 'Empty character literal', { position: where.pos, hint: "write one character between the quotes, e.g. 'a'" });
  if (b.length > 2) {
    throw new FdtError('DTS_BAD_LITERAL', `Character literal has ${b.length - 1} characters instead of 1`, {
      position: where.pos,
      hint: 'a character literal holds exactly one character',
    });
  }
  return b[0]!;
}
