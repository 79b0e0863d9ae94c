/**
 * The ImageBuilder config is a bash file that uboot-script-gen `source`s.
 * We read it as data instead: the assignment subset real configs use
 * (NAME=value, NAME[i]=value, NAME[i,j]=value, quotes, comments, $VAR and
 * ${VAR} of variables set earlier, $((arithmetic))). Anything that would
 * run a command is refused with its position and never evaluated.
 */
import type { FdtError } from '../../fdt/errors.js';
import { evalArithmetic } from './arithmetic.js';
import type { ProblemSink } from '../../diagnostics/hyperlaunch-error.js';
import { shellError } from './errors.js';
import { ImageBuilderError } from './imagebuilder-error.js';

/** One variable: bash keys (`0` for a scalar, `1,2` for associative keys) to values. */
export type ShellVariable = Map<string, string>;

export interface ShellAssignment {
  name: string;
  key: string;
  value: string;
  line: number;
  column: number;
}

export interface ShellConfig {
  file: string;
  variables: Map<string, ShellVariable>;
  /** In file order, for error locations and for writing back. */
  assignments: ShellAssignment[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** Characters that end a bare word and would start something other than an assignment. */
const OPERATORS = new Set([';', '&', '|', '<', '>', '(', ')', '{', '}']);

class Cursor {
  pos = 0;
  line = 1;
  col = 1;
  constructor(readonly text: string, readonly file: string) {}
  peek(o = 0): string {
    return this.text[this.pos + o] ?? '';
  }
  next(): string {
    const c = this.text[this.pos++] ?? '';
    if (c === '\n') {
      this.line++;
      this.col = 1;
    } else {
      this.col++;
    }
    return c;
  }
  eof(): boolean {
    return this.pos >= this.text.length;
  }
  error(message: string, hint?: string, line = this.line, col = this.col): FdtError {
    return shellError('IB_UNSUPPORTED_SHELL', message, this.file, line, col, hint);
  }
}

const NOT_EXECUTED = 'the config is read as data and never executed: keep to NAME="value" assignments';

function unsupported(c: Cursor, what: string): FdtError {
  return c.error(`unsupported shell construct: ${what}`, NOT_EXECUTED);
}

export function lookupVariable(vars: Map<string, ShellVariable>, name: string, key = '0'): string {
  return vars.get(name)?.get(key) ?? '';
}

function readName(c: Cursor): string {
  let name = '';
  while (NAME_CHAR.test(c.peek())) name += c.next();
  return name;
}

/** `$NAME`, `${NAME}`, `${NAME[i]}`, `$((expr))`; `$(cmd)` is refused. */
function readDollar(c: Cursor, vars: Map<string, ShellVariable>): string {
  const line = c.line;
  const col = c.col;
  c.next(); // $
  if (c.peek() === '(' && c.peek(1) === '(') {
    c.next();
    c.next();
    let depth = 0;
    let expr = '';
    for (;;) {
      if (c.eof()) throw c.error('unterminated $(( arithmetic', undefined, line, col);
      if (c.peek() === ')' && c.peek(1) === ')' && depth === 0) break;
      if (c.peek() === '$' && c.peek(1) === '(') throw unsupported(c, 'command substitution $(...)');
      if (c.peek() === '`') throw unsupported(c, 'command substitution `...`');
      const ch = c.next();
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      expr += ch;
    }
    c.next();
    c.next();
    return evalArithmetic(expr, (n) => lookupVariable(vars, n), c.file, line, col).toString();
  }
  if (c.peek() === '(') throw c.error('unsupported shell construct: command substitution $(...)', NOT_EXECUTED, line, col);
  if (c.peek() === '{') {
    c.next();
    const name = readName(c);
    if (!name) throw unsupported(c, 'parameter expansion other than ${NAME} or ${NAME[i]}');
    let key = '0';
    if (c.peek() === '[') key = readIndex(c, vars);
    if (c.peek() !== '}') throw unsupported(c, 'parameter expansion operator (only ${NAME} and ${NAME[i]} are read)');
    c.next();
    return lookupVariable(vars, name, key);
  }
  if (NAME_START.test(c.peek())) return lookupVariable(vars, readName(c));
  if (/[0-9#?@*!$-]/.test(c.peek())) throw unsupported(c, `special parameter $${c.peek()}`);
  return '$';
}

/** `[3]`, `[0,1]`, `[$i]`: the key text bash would use. */
function readIndex(c: Cursor, vars: Map<string, ShellVariable>): string {
  c.next(); // [
  let key = '';
  while (c.peek() !== ']') {
    if (c.eof() || c.peek() === '\n') throw c.error('unterminated array index');
    if (c.peek() === '$') key += readDollar(c, vars);
    else if (c.peek() === '`') throw unsupported(c, 'command substitution `...`');
    else key += c.next();
  }
  c.next();
  key = key.trim();
  if (!/^[0-9]+(,[0-9]+)*$/.test(key)) {
    throw c.error(`unsupported array index [${key}]`, 'use a number (DOMU_KERNEL[0]) or numbers joined by commas ([0,1])');
  }
  // bash evaluates an indexed array subscript arithmetically: [01] is [1]
  return key.split(',').map((k) => BigInt(k).toString()).join(',');
}

function readDoubleQuoted(c: Cursor, vars: Map<string, ShellVariable>): string {
  const line = c.line;
  const col = c.col;
  c.next();
  let out = '';
  for (;;) {
    if (c.eof()) throw c.error('unterminated double-quoted string', undefined, line, col);
    const ch = c.peek();
    if (ch === '"') {
      c.next();
      return out;
    }
    if (ch === '`') throw unsupported(c, 'command substitution `...`');
    if (ch === '$') {
      out += readDollar(c, vars);
      continue;
    }
    if (ch === '\\') {
      c.next();
      const esc = c.next();
      if (esc === '\n') continue;
      out += '$`"\\'.includes(esc) ? esc : `\\${esc}`;
      continue;
    }
    out += c.next();
  }
}

function readSingleQuoted(c: Cursor): string {
  const line = c.line;
  const col = c.col;
  c.next();
  let out = '';
  while (c.peek() !== "'") {
    if (c.eof()) throw c.error('unterminated single-quoted string', undefined, line, col);
    out += c.next();
  }
  c.next();
  return out;
}

function isWordEnd(ch: string): boolean {
  return ch === '' || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || OPERATORS.has(ch);
}

/** The value after `=`: quoted and bare pieces joined, as bash does. */
function readValue(c: Cursor, vars: Map<string, ShellVariable>): string {
  let out = '';
  for (;;) {
    const ch = c.peek();
    if (isWordEnd(ch)) {
      if (ch === '(' && out === '') throw unsupported(c, 'array list assignment NAME=(...) (write NAME[0]=... lines)');
      return out;
    }
    if (ch === '"') out += readDoubleQuoted(c, vars);
    else if (ch === "'") out += readSingleQuoted(c);
    else if (ch === '$') out += readDollar(c, vars);
    else if (ch === '`') throw unsupported(c, 'command substitution `...`');
    else if (ch === '\\') {
      c.next();
      const esc = c.next();
      if (esc !== '\n') out += esc;
    } else out += c.next();
  }
}

function skipBlanks(c: Cursor): void {
  while (c.peek() === ' ' || c.peek() === '\t' || c.peek() === '\r' || (c.peek() === '\\' && c.peek(1) === '\n')) {
    if (c.next() === '\\') c.next();
  }
}

function describeOperator(c: Cursor): string {
  const two = c.peek() + c.peek(1);
  if (two === '&&' || two === '||') return `command list '${two}'`;
  if (c.peek() === ';') return "command list ';'";
  if (c.peek() === '|') return "pipeline '|'";
  if (c.peek() === '&') return "background '&'";
  if (c.peek() === '<' || c.peek() === '>') return `redirection '${c.peek()}'`;
  if (c.peek() === '(' || c.peek() === ')') return 'subshell or function definition';
  return `compound command '${c.peek()}'`;
}

/** One statement: assignments only; a command word, operator or keyword is refused. */
function readStatement(c: Cursor, vars: Map<string, ShellVariable>, out: ShellAssignment[]): void {
  for (;;) {
    skipBlanks(c);
    const ch = c.peek();
    if (ch === '' || ch === '\n') return;
    if (ch === '#') {
      while (!c.eof() && c.peek() !== '\n') c.next();
      return;
    }
    if (OPERATORS.has(ch)) throw unsupported(c, describeOperator(c));
    if (ch === '`') throw unsupported(c, 'command substitution `...`');
    if (ch === '$') throw unsupported(c, 'command word from an expansion');
    const line = c.line;
    const col = c.col;
    const start = c.pos;
    const name = NAME_START.test(ch) ? readName(c) : '';
    let key = '0';
    if (name && c.peek() === '[') key = readIndex(c, vars);
    if (!name || (c.peek() !== '=' && !(c.peek() === '+' && c.peek(1) === '='))) {
      while (!isWordEnd(c.peek()) && c.peek() !== '"' && c.peek() !== "'") c.next();
      const word = c.text.slice(start, c.pos);
      throw shellError('IB_UNSUPPORTED_SHELL', `unsupported shell construct: command '${word}'`, c.file, line, col, NOT_EXECUTED);
    }
    const append = c.peek() === '+';
    if (append) c.next();
    c.next(); // =
    const value = readValue(c, vars);
    let v = vars.get(name);
    if (!v) vars.set(name, (v = new Map()));
    const full = append ? (v.get(key) ?? '') + value : value;
    v.set(key, full);
    out.push({ name, key, value: full, line, column: col });
  }
}

/**
 * Read a config as data. Without a sink the first bad statement throws;
 * with one, each is reported there, the rest of its line is skipped, and
 * reading goes on, so that one run shows every line to mend.
 */
export function parseShellConfig(text: string, file = '<config>', onProblem?: ProblemSink<ImageBuilderError>): ShellConfig {
  const c = new Cursor(text, file);
  const variables = new Map<string, ShellVariable>();
  const assignments: ShellAssignment[] = [];
  while (!c.eof()) {
    try {
      readStatement(c, variables, assignments);
    } catch (e) {
      if (!onProblem || !(e instanceof ImageBuilderError)) throw e;
      onProblem(e);
      while (!c.eof() && c.peek() !== '\n') c.next();
    }
    if (c.peek() === '\n') c.next();
  }
  return { file, variables, assignments };
}
