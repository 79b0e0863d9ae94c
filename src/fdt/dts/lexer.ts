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

/*
 * Token kinds as small integers. The lexer keeps the current token in its
 * own fields (kind, text, value, span) and the parser reads them there: a
 * Token object is made only when the parser keeps one (expressions,
 * /incbin/, errors). One object and one substring per token were the
 * largest share of the parser's garbage.
 */
export const T_EOF = 0;
export const T_CHAR = 1;
export const T_PROPNODENAME = 2;
export const T_LABEL = 3;
export const T_LITERAL = 4;
export const T_STRING = 5;
export const T_LABEL_REF = 6;
export const T_PATH_REF = 7;
export const T_BYTE = 8;
export const T_CHAR_LITERAL = 9;
export const T_V1 = 10;
export const T_PLUGIN = 11;
export const T_MEMRESERVE = 12;
export const T_BITS = 13;
export const T_DEL_PROP = 14;
export const T_DEL_NODE = 15;
export const T_OMIT_NO_REF = 16;
export const T_INCBIN = 17;
const T_LSHIFT = 18;
const T_RSHIFT = 19;
const T_LE = 20;
const T_GE = 21;
const T_EQ = 22;
const T_NE = 23;
const T_AND = 24;
const T_OR = 25;

const KIND_NAMES: readonly TokenKind[] = [
  'EOF', 'CHAR', 'PROPNODENAME', 'LABEL', 'LITERAL', 'STRING', 'LABEL_REF', 'PATH_REF', 'BYTE', 'CHAR_LITERAL',
  'V1', 'PLUGIN', 'MEMRESERVE', 'BITS', 'DEL_PROP', 'DEL_NODE', 'OMIT_NO_REF', 'INCBIN',
  'LSHIFT', 'RSHIFT', 'LE', 'GE', 'EQ', 'NE', 'AND', 'OR',
];

interface SourceBuffer {
  text: string; // one char per byte (latin1)
  at: number;
  name: string; // changes with line markers
  dir: string | undefined; // fixed at open, as in dtc
  path: string; // as opened, for cycle detection
  line: number;
  col: number;
  noCommentEndFrom?: number;
}

const KEYWORDS: ReadonlyArray<[string, number]> = [
  ['/dts-v1/', T_V1],
  ['/plugin/', T_PLUGIN],
  ['/memreserve/', T_MEMRESERVE],
  ['/bits/', T_BITS],
  ['/delete-property/', T_DEL_PROP],
  ['/delete-node/', T_DEL_NODE],
  ['/omit-if-no-ref/', T_OMIT_NO_REF],
];

/**
 * The two-char operator starting at `at`, if any. Compares char codes instead
 * of looking up a two-char substring: `<`, `>`, `=` and `&` start most cells
 * and properties, so this runs for a large share of all tokens.
 */
function operatorAt(text: string, at: number): number {
  const a = text.charCodeAt(at);
  const b = text.charCodeAt(at + 1);
  switch (a) {
    case 0x3c: // <
      return b === 0x3c ? T_LSHIFT : b === 0x3d ? T_LE : 0;
    case 0x3e: // >
      return b === 0x3e ? T_RSHIFT : b === 0x3d ? T_GE : 0;
    case 0x3d: // =
      return b === 0x3d ? T_EQ : 0;
    case 0x21: // !
      return b === 0x3d ? T_NE : 0;
    case 0x26: // &
      return b === 0x26 ? T_AND : 0;
    case 0x7c: // |
      return b === 0x7c ? T_OR : 0;
    default:
      return 0;
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
const RE_LABELREF = /&[a-zA-Z_][a-zA-Z0-9_]*/y;
const RE_PATHREF = /&\{\/[a-zA-Z0-9,._+*#?@\-/]*\}/y;
const RE_BYTE = /[0-9a-fA-F]{2}/y;
const RE_LINECOMMENT = /\/\/[^\n]*\n/y;

/** C isspace in the C locale: space, \t \n \v \f \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
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
/** Hex digit values by char code, 0xff for other chars. */
const HEX_VALUE: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(0xff);
  for (let i = 0; i < 16; i++) t['0123456789abcdef'.charCodeAt(i)] = t['0123456789ABCDEF'.charCodeAt(i)] = i;
  return t;
})();

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
  return { text, at: 0, name, dir: dirnameOf(name), path, line: 1, col: 1 };
}

export interface LexerOptions {
  file: string;
  files: SourceFiles;
  maxIncludeDepth: number;
}

const S_INITIAL = 0;
const S_V1 = 1;
const S_BYTESTRING = 2;
const S_PROPNODENAME = 3;

/** One-char strings by char code, so a CHAR token's text is not a new substring. */
const CHAR_STRINGS: readonly string[] = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));

/*
 * What the first char of a token says, for the shortcuts in scan(): each
 * shortcut is taken only where dtc's rules can match nothing else, and
 * everything else goes to the rule-by-rule scan.
 */
const F_OTHER = 0;
/** Chars no rule but the one-char default starts, in any start condition: ; { } ( ) [ : ~ ^ % */
const F_PUNCT = 1;
/** `,`: also a name char in PROPNODENAME. */
const F_COMMA = 2;
/** `<` `>` `=`: operators when followed by `=` (or their own char). */
const F_CMP = 3;
const F_RBRACKET = 4;
const F_LETTER = 5;
const F_DIGIT = 6;
const F_AMP = 7;
const F_QUOTE = 8;
const FIRST: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(F_OTHER);
  for (const c of ';{}()[:~^%') t[c.charCodeAt(0)] = F_PUNCT;
  t[0x2c] = F_COMMA;
  for (const c of '<>=') t[c.charCodeAt(0)] = F_CMP;
  t[0x5d] = F_RBRACKET;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = t[c + 0x20] = F_LETTER;
  t[0x5f] = F_LETTER;
  for (let c = 0x30; c <= 0x39; c++) t[c] = F_DIGIT;
  t[0x26] = F_AMP;
  t[0x22] = F_QUOTE;
  return t;
})();

/**
 * Length of the string literal `"(?:[^\\"]|\\[^\n])*"` at `at` (0 when it
 * does not close), negated when it holds a backslash. Only one match is
 * possible, so the longest is the first.
 */
function stringLength(text: string, at: number): number {
  let escaped = false;
  for (let i = at + 1; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return escaped ? -(i + 1 - at) : i + 1 - at;
    if (c === 0x5c) {
      if (i + 1 >= text.length || text.charCodeAt(i + 1) === 10) return 0;
      escaped = true;
      i += 2;
    } else {
      i++;
    }
  }
  return 0;
}

/**
 * The value of `0x` with 1 to 13 hex digits, or of a decimal of at most 15
 * digits, and nothing else (both exact as numbers), read from the char
 * codes; -1 for any other literal.
 */
function plainLiteralAt(text: string, at: number, n: number): number {
  if (n >= 3 && n <= 15 && text.charCodeAt(at) === 0x30 && (text.charCodeAt(at + 1) | 0x20) === 0x78) {
    let v = 0;
    for (let i = at + 2; i < at + n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x30 && c <= 0x39) v = v * 16 + (c - 0x30);
      else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) v = v * 16 + ((c | 0x20) - 0x57);
      else return -1;
    }
    return v;
  }
  if (n > 15 || (n > 1 && text.charCodeAt(at) === 0x30)) return -1;
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

export class DtsLexer {
  private readonly stack: SourceBuffer[] = [];
  private state = S_INITIAL;

  // The current token (see T_EOF).
  kind = T_EOF;
  /** Names, labels (without the colon), references, keywords, operators, the char of a CHAR. */
  text = '';
  /** CHAR: the char code. */
  ch = 0;
  /** LITERAL, CHAR_LITERAL and BYTE values that are exact as a number (below 2^53), else -1 with `big`. */
  small = 0;
  private big: bigint | undefined = undefined;
  /** LITERAL and STRING: the lexeme, text[start, end) of its source. */
  private src = '';
  private start = 0;
  private end = 0;
  /** STRING with escapes: its value, made when scanned (escape errors are the lexer's, as in dtc). */
  private strData: PropertyValue | undefined = undefined;
  private cached: Token | undefined = undefined;

  // The span of the most recent match (dtc's yylloc), as numbers: see Token.
  lastFile: string;
  firstLine = 0;
  firstColumn = 0;
  lastLine = 0;
  lastColumn = 0;
  lastSrc: { readonly name: string };
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

  /** Scan the next token into the fields. */
  advance(): void {
    this.cached = undefined;
    for (;;) {
      const buf = this.stack[this.stack.length - 1]!;
      if (buf.at >= buf.text.length) {
        // End of an included file resumes the includer; positions are left alone (no YY_USER_ACTION on EOF).
        if (this.stack.length === 1) {
          this.set(T_EOF, '');
          return;
        }
        this.stack.pop();
        continue;
      }
      if (this.scan(buf)) return;
    }
  }

  /** LITERAL and CHAR_LITERAL: the value. */
  get value(): bigint {
    return this.big ?? BigInt(this.small);
  }

  /** The current token as an object (the same one until the next advance). */
  token(): Token {
    if (this.cached) return this.cached;
    const lexeme = this.kind === T_LITERAL || this.kind === T_STRING;
    const tok = new Token(
      KIND_NAMES[this.kind]!,
      lexeme ? this.src.slice(this.start, this.end) : this.text,
      this.lastSrc,
      this.lastFile,
      this.firstLine,
      this.firstColumn,
      this.lastLine,
      this.lastColumn,
      this.small,
      this.big,
    );
    if (this.kind === T_STRING) tok.data = this.strData ?? new ValueBuilder(this.end - this.start).appendString(this.src, this.start + 1, this.end - 1).build();
    return (this.cached = tok);
  }

  /** Append the current STRING's value (its `string` marker, bytes and NUL), as appendValue(token().data) would. */
  appendString(b: ValueBuilder): void {
    if (this.strData) b.appendValue(this.strData);
    else b.appendString(this.src, this.start + 1, this.end - 1);
  }

  /** The span of the last match as a SourcePosition (Token.pos). */
  spanPosition(): SourcePosition {
    return { file: this.lastFile, firstLine: this.firstLine, firstColumn: this.firstColumn, lastLine: this.lastLine, lastColumn: this.lastColumn };
  }

  private set(kind: number, text: string): true {
    this.kind = kind;
    this.text = text;
    this.small = 0;
    this.big = undefined;
    return true;
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
    // Text, line and column in locals: this runs over every byte of multi-line spans.
    const text = buf.text;
    let line = firstLine;
    let lastNl = -1;
    for (let i = buf.at; i < end; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lastNl = i;
      }
    }
    const col = lastNl < 0 ? firstColumn + len : end - lastNl;
    this.moved(buf, end, firstLine, firstColumn, line, col);
  }

  /**
   * consume() for a match that cannot hold a newline (a name, label,
   * reference, number or one-char token): the column moves by its length,
   * without looking at its bytes.
   */
  private consumeInline(buf: SourceBuffer, len: number): void {
    const line = buf.line;
    const firstColumn = buf.col;
    this.moved(buf, buf.at + len, line, firstColumn, line, firstColumn + len);
  }

  /** consume() for white space (one pass measures it and counts its lines); false at the end of the buffer. */
  private skipSpace(buf: SourceBuffer): boolean {
    const text = buf.text;
    const start = buf.at;
    let line = buf.line;
    let lastNl = -1;
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        line++;
        lastNl = i;
      } else if (c !== 0x20 && (c < 0x09 || c > 0x0d)) {
        break;
      }
    }
    this.moved(buf, i, buf.line, buf.col, line, lastNl < 0 ? buf.col + (i - start) : i - lastNl);
    return i < text.length;
  }

  private moved(buf: SourceBuffer, end: number, firstLine: number, firstColumn: number, line: number, col: number): void {
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

  // The best match so far while scanning one token (fields, not a closure: this runs per token).
  private bestLen = 0;
  private bestRule = R_ANY;
  private bestKind = T_CHAR;

  private offer(len: number, rule: number, kind: number): void {
    if (len > this.bestLen || (len === this.bestLen && len > 0 && rule < this.bestRule)) {
      this.bestLen = len;
      this.bestRule = rule;
      this.bestKind = kind;
    }
  }

  /** Scan one rule match; true for a token, false for skipped text. */
  private scan(buf: SourceBuffer): boolean {
    const text = buf.text;
    let at = buf.at;
    let code = text.charCodeAt(at);
    if (isSpace(code)) {
      // Most tokens follow white space: skip it here rather than in a scan of its own.
      if (!this.skipSpace(buf)) return false;
      at = buf.at;
      code = text.charCodeAt(at);
    }
    const st = this.state;
    // The shortcuts: the token every rule-by-rule scan below would choose, without offering the rest.
    switch (FIRST[code]) {
      case F_COMMA:
        if (st === S_PROPNODENAME) break;
        return this.punct(buf, code);
      case F_CMP: {
        const b = text.charCodeAt(at + 1);
        if (b === 0x3d || b === code) break;
        return this.punct(buf, code);
      }
      case F_PUNCT:
        return this.punct(buf, code);
      case F_RBRACKET:
        this.consumeInline(buf, 1);
        if (st === S_BYTESTRING) this.state = S_V1;
        this.ch = code;
        return this.set(T_CHAR, ']');
      case F_LETTER: {
        if (st === S_BYTESTRING) break;
        // A label (its colon included) outmatches any name or one-char token.
        const r = 1 + runLength(text, at + 1, LABEL_CHARS);
        if (text.charCodeAt(at + r) === 0x3a) {
          this.consumeInline(buf, r + 1);
          return this.set(T_LABEL, text.slice(at, at + r));
        }
        if (st !== S_PROPNODENAME) break;
        return this.propNodeName(buf, text, at, r + runLength(text, at + r, PROPNODE_CHARS));
      }
      case F_DIGIT:
        if (st === S_V1) return this.plainLiteral(buf, text, at);
        if (st === S_PROPNODENAME) return this.propNodeName(buf, text, at, runLength(text, at, PROPNODE_CHARS));
        break;
      case F_AMP:
        if (!isLabelStart(text.charCodeAt(at + 1))) break;
        {
          const len = 2 + runLength(text, at + 2, LABEL_CHARS);
          this.consumeInline(buf, len);
          return this.set(T_LABEL_REF, text.slice(at + 1, at + len));
        }
      case F_QUOTE: {
        const len = stringLength(text, at);
        if (len === 0) break;
        return this.string(buf, text, at, len);
      }
    }
    return this.scanRules(buf, text, at, st);
  }

  /** A one-char token by the default rule. */
  private punct(buf: SourceBuffer, code: number): true {
    this.consumeInline(buf, 1);
    if (code === 0x5b) this.state = S_BYTESTRING;
    else if (code === 0x7b || code === 0x3b) this.state = S_PROPNODENAME;
    this.ch = code;
    return this.set(T_CHAR, CHAR_STRINGS[code]!);
  }

  private propNodeName(buf: SourceBuffer, text: string, at: number, len: number): true {
    this.consumeInline(buf, len);
    this.state = S_V1;
    return this.set(T_PROPNODENAME, text.charCodeAt(at) === 0x5c ? text.slice(at + 1, at + len) : text.slice(at, at + len));
  }

  /** `len` is the string's length, negated when it holds escapes. */
  private string(buf: SourceBuffer, text: string, at: number, len: number): true {
    const escaped = len < 0;
    if (escaped) len = -len;
    this.consume(buf, len);
    this.set(T_STRING, '');
    this.src = text;
    this.start = at;
    this.end = at + len;
    this.strData = undefined;
    if (escaped) this.strData = unescapeString(text, at + 1, at + len - 1, this.where()).build();
    return true;
  }

  /**
   * A literal at `at` (a digit, in V1): a plain one (see plainLiteralAt),
   * as most cells are, is measured and valued in one pass over its digits;
   * any other goes to literal().
   */
  private plainLiteral(buf: SourceBuffer, text: string, at: number): boolean {
    let v = 0;
    let i = at;
    if (text.charCodeAt(at) === 0x30 && (text.charCodeAt(at + 1) | 0x20) === 0x78 && HEX_VALUE[text.charCodeAt(at + 2)]! < 16) {
      for (i = at + 2; i < text.length; i++) {
        const d = HEX_VALUE[text.charCodeAt(i)]!;
        if (d >= 16) break;
        v = v * 16 + d;
      }
      if (i - at > 15) return this.literal(buf, text, at, literalLength(text, at));
    } else {
      for (; i < text.length; i++) {
        const d = text.charCodeAt(i) - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i - at > 15 || (i - at > 1 && text.charCodeAt(at) === 0x30)) return this.literal(buf, text, at, literalLength(text, at));
    }
    const next = text.charCodeAt(i);
    if (next === 0x55 || next === 0x4c) return this.literal(buf, text, at, literalLength(text, at)); // U or L suffix
    this.consumeInline(buf, i - at);
    this.set(T_LITERAL, '');
    this.src = text;
    this.start = at;
    this.end = i;
    this.small = v;
    return true;
  }

  /** Short plain literals (most cells) are read from the char codes; the rest by the general BigInt path. */
  private literal(buf: SourceBuffer, text: string, at: number, len: number): true {
    this.consume(buf, len);
    this.set(T_LITERAL, '');
    this.src = text;
    this.start = at;
    this.end = at + len;
    const small = plainLiteralAt(text, at, len);
    if (small >= 0) {
      this.small = small;
      return true;
    }
    const big = parseLiteral(text.slice(at, at + len), this.where());
    if (big <= MAX_EXACT) this.small = Number(big);
    else {
      this.small = -1;
      this.big = big;
    }
    return true;
  }

  /** The current span for errors raised while scanning (made only when asked for). */
  private where(): { readonly pos: SourcePosition } {
    const lexer = this;
    return {
      get pos() {
        return lexer.spanPosition();
      },
    };
  }

  /** dtc's rules offered one by one, the longest match (ties to the earlier rule) winning. */
  private scanRules(buf: SourceBuffer, text: string, at: number, st: number): boolean {
    const c = text[at]!;
    this.bestLen = 1;
    this.bestRule = R_ANY;
    this.bestKind = T_CHAR;
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
        return false;
      }
      this.offer(matchLength(RE_INCLUDE, text, at), R_INCLUDE, T_CHAR);
      for (const [kw, k] of KEYWORDS) if (text.startsWith(kw, at)) this.offer(kw.length, R_KEYWORD, k);
      if ((st === S_INITIAL || st === S_V1) && text.startsWith('/incbin/', at)) this.offer(8, R_INCBIN, T_INCBIN);
    } else if (c === '"') {
      this.offer(Math.abs(stringLength(text, at)), R_STRING, T_STRING);
    } else if (c === "'") {
      this.offer(charLiteralLength(text, at), R_CHARLIT, T_CHAR_LITERAL);
    } else if (c === '&') {
      this.offer(matchLength(RE_LABELREF, text, at), R_LABELREF, T_LABEL_REF);
      this.offer(matchLength(RE_PATHREF, text, at), R_PATHREF, T_PATH_REF);
    } else if (c === '#' && (at === 0 || text[at - 1] === '\n')) {
      this.offer(matchLength(RE_LINE, text, at), R_LINE, T_CHAR);
    }
    const code = text.charCodeAt(at);
    const op = operatorAt(text, at);
    if (op) this.offer(2, R_OPERATOR, op);
    if (isLabelStart(code)) this.offer(labelLength(text, at), R_LABEL, T_LABEL);
    if (st === S_V1 && code >= 0x30 && code <= 0x39) this.offer(literalLength(text, at), R_LITERAL, T_LITERAL);
    if (st === S_BYTESTRING) {
      this.offer(matchLength(RE_BYTE, text, at), R_BYTE, T_BYTE);
      if (c === ']') this.offer(1, R_RBRACKET, T_CHAR);
    }
    if (st === S_PROPNODENAME) this.offer(propNodeNameLength(text, at), R_PROPNODENAME, T_PROPNODENAME);
    return this.act(this.bestRule, this.bestKind, buf, at, this.bestLen);
  }

  private act(rule: number, kind: number, buf: SourceBuffer, start: number, len: number): boolean {
    const text = buf.text;
    switch (rule) {
      case R_STRING:
        return this.string(buf, text, start, stringLength(text, start));
      case R_LITERAL:
        return this.literal(buf, text, start, len);
      case R_PROPNODENAME:
        return this.propNodeName(buf, text, start, len);
    }
    const lexeme = text.slice(start, start + len);
    this.consume(buf, len);
    switch (rule) {
      case R_INCLUDE:
        this.pushInclude(lexeme.slice(lexeme.indexOf('"') + 1, -1), this.spanPosition());
        return false;
      case R_LINE:
        this.lineMarker(lexeme, buf);
        return false;
      case R_KEYWORD:
        if (kind === T_V1 || kind === T_MEMRESERVE || kind === T_BITS) this.state = S_V1;
        else if (kind !== T_PLUGIN) this.state = S_PROPNODENAME;
        return this.set(kind, lexeme);
      case R_LABEL:
        return this.set(T_LABEL, lexeme.slice(0, -1));
      case R_CHARLIT: {
        const value = charLiteralValue(text, start, len, this.where());
        this.set(T_CHAR_LITERAL, lexeme);
        this.small = value;
        return true;
      }
      case R_LABELREF:
        return this.set(T_LABEL_REF, lexeme.slice(1));
      case R_PATHREF:
        return this.set(T_PATH_REF, lexeme.slice(2, -1));
      case R_BYTE:
        this.set(T_BYTE, lexeme);
        this.small = parseInt(lexeme, 16);
        return true;
      case R_RBRACKET:
        this.state = S_V1;
        this.ch = 0x5d;
        return this.set(T_CHAR, ']');
      case R_INCBIN:
      case R_OPERATOR:
        return this.set(kind, lexeme);
      default: {
        const code = lexeme.charCodeAt(0);
        if (code === 0x5b) this.state = S_BYTESTRING;
        else if (code === 0x7b || code === 0x3b) this.state = S_PROPNODENAME;
        // dtc returns the byte as a (signed, on x86) char: NUL is token 0 and bytes >= 0x80 are
        // negative, and bison takes any token <= 0 as the end of input.
        if (code === 0 || code >= 0x80) return this.set(T_EOF, '');
        this.ch = code;
        return this.set(T_CHAR, lexeme);
      }
    }
  }

  private lineMarker(lexeme: string, buf: SourceBuffer): void {
    const m = /[0-9]+/.exec(lexeme)!;
    const q1 = lexeme.indexOf('"');
    const q2 = lexeme.lastIndexOf('"');
    const digits = m[0];
    const name = lexeme.slice(q1 + 1, q2);
    if (digits.length <= 9 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0) {
      // The usual marker (`# 12 "file.dtsi"`): no escapes, no NUL, a line number that is exact as an int.
      buf.name = name;
      buf.line = Number(digits) - 1;
      return;
    }
    const where = this.where();
    const fn = unescapeString(lexeme, q1 + 1, q2, where).build().bytes;
    if (fn.indexOf(0) !== fn.length - 1) {
      throw new FdtError('DTS_BAD_LINE_MARKER', 'nul in line number directive', { position: where.pos, hint: 'remove the \\0 from the file name' });
    }
    buf.name = toLatin1(fn.subarray(0, fn.length - 1));
    // The marker names the line that follows it; the newline after the marker adds the one.
    // atoi: strtol saturates at LONG_MAX, then the result is truncated to an int.
    const n = BigInt(digits);
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
