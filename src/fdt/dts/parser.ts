/**
 * The DTS parser: dtc 1.6.1's grammar (dtc-parser.y) read by hand, building
 * the same live tree dtc builds before its checks run — value markers at the
 * same offsets, deleted entries kept, labels in dtc's order, merges and
 * plugin fragments applied as the source is read. Node nesting is handled
 * with an explicit stack, so depth is limited by memory, not the JS stack.
 */
import { PropertyValue, ValueArena, ValueBuilder, type MarkerType } from '../tree/data.js';
import { FdtError } from '../errors.js';
import { ExpressionParser, type TokenSource } from './expressions.js';
import {
  DtsLexer,
  positionNow,
  T_BITS,
  T_BYTE,
  T_CHAR,
  T_DEL_NODE,
  T_DEL_PROP,
  T_INCBIN,
  T_LABEL,
  T_LABEL_REF,
  T_LITERAL,
  T_OMIT_NO_REF,
  T_PATH_REF,
  T_PROPNODENAME,
  T_STRING,
  type Token,
} from './lexer.js';
import { DeviceTree, Node, Property, addLabel, guessBootCpuid, type Label, type ReserveEntry } from '../tree/livetree.js';
import { SourceFiles, defaultReadFile } from './source-files.js';
import { spanPositions, type SourcePosition } from '../srcpos.js';
import {
  TreeIndex,
  addOrphanNode,
  buildNodeDelete,
  buildPropertyDelete,
  deleteNode,
  findNodeByRef,
  mergeNodes,
} from '../tree/merge.js';

export interface DtsParseOptions {
  /** Name used in positions and for resolving relative includes. */
  file: string;
  /** dtc -i: searched in order after the including file's directory. */
  includeDirs?: string[];
  /** Default: node:fs readFileSync (inject for tests). */
  readFile?: (path: string) => Uint8Array;
  /** Files open at once, the main file included (dtc 1.6.1's MAX_SRCFILE_DEPTH is 200). */
  maxIncludeDepth?: number;
}

const U64 = 0xffffffffffffffffn;
const BIT_TYPES: ReadonlyMap<bigint, MarkerType> = new Map<bigint, MarkerType>([
  [8n, 'uint8'],
  [16n, 'uint16'],
  [32n, 'uint32'],
  [64n, 'uint64'],
]);

/** Per element width: its marker and value mask, computed once rather than per array. */
const ARRAY_WIDTHS: ReadonlyMap<number, { marker: MarkerType; mask: bigint }> = new Map(
  [...BIT_TYPES].map(([bits, marker]) => [Number(bits), { marker, mask: (1n << bits) - 1n }]),
);

/** Parse DTS source into dtc's pre-check live tree. Throws FdtError on anything dtc rejects while parsing. */
export function parseDts(source: Uint8Array | string, opts: DtsParseOptions): DeviceTree {
  const files = new SourceFiles(opts.file, opts.includeDirs ?? [], opts.readFile ?? defaultReadFile);
  const lexer = new DtsLexer(source, { file: opts.file, files, maxIncludeDepth: opts.maxIncludeDepth ?? 200 });
  return new DtsParser(lexer, files).parse();
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'EOF': return 'end of input';
    case 'CHAR': return `'${t.text}'`;
    case 'PROPNODENAME': return `name '${t.text}'`;
    case 'LABEL': return `label '${t.text}:'`;
    case 'LABEL_REF': return `reference '&${t.text}'`;
    case 'PATH_REF': return `reference '&{${t.text}}'`;
    default: return `'${t.text}'`;
  }
}

function isChar(t: Token, c: string): boolean {
  return t.kind === 'CHAR' && t.text === c;
}

function isRef(t: Token): boolean {
  return t.kind === 'LABEL_REF' || t.kind === 'PATH_REF';
}

/** Labels written before an item are added innermost (rightmost) first, as dtc's right-recursive rules do. */
function applyLabels(labels: Label[], prefix: readonly Token[]): void {
  for (let i = prefix.length - 1; i >= 0; i--) if (prefix[i]!.kind === 'LABEL') addLabel(labels, prefix[i]!.text);
}

function notFound(ref: string, position: SourcePosition): FdtError {
  return new FdtError('DTS_LABEL_NOT_FOUND', `Label or path ${ref} not found`, {
    position,
    hint: ref.startsWith('/') ? 'no node has that path at this point of the source' : 'define the label before referring to it here',
  });
}

/** Label names in source order, added innermost (rightmost) first as applyLabels does. */
function applyLabelNames(labels: Label[], names: readonly string[] | undefined): void {
  if (names) for (let i = names.length - 1; i >= 0; i--) addLabel(labels, names[i]!);
}

/**
 * applyLabelNames on a fresh node or property. The usual single label gets a
 * one-element list: addLabel's unshift onto an empty array reserves 17 slots,
 * and a labelled node kept them for the life of the tree.
 */
function labelFresh(item: { labels: Label[]; readonly hasLabels: boolean }, names: readonly string[]): void {
  if (names.length === 1 && !item.hasLabels) item.labels = [{ name: names[0]!, deleted: false }];
  else applyLabelNames(item.labels, names);
}

interface NodeFrame {
  node: Node;
  /** Where its `{` starts. */
  openLine: number;
  openColumn: number;
  seenSubnode: boolean;
}

class DtsParser implements TokenSource {
  /**
   * Whether the lexer's current token is the lookahead (scanned, not yet
   * consumed). Tokens are scanned only when the grammar needs the next one,
   * as bison does, so a lexer error after a semantic error is not raised
   * first. The hot paths read the token's fields on the lexer; the rest
   * take Token objects through peek() and next().
   */
  private ahead = false;
  private readonly expr: ExpressionParser;
  private plugin = false;
  private fragments = 0;
  /** Reused for every property value (take() copies the bytes out): saves an allocation and regrowth per property. */
  private readonly valueScratch = new ValueBuilder(256);
  private readonly values = new ValueArena();
  /**
   * Recent property names, a slot per first character and length. Each name
   * token is a fresh string, and a big tree repeats a few names (`reg`,
   * `compatible`) hundreds of thousands of times; handing back the copy in
   * the slot shares one string per name. A slot compare costs less than a
   * Map lookup, which would hash every fresh name; a collision only loses
   * sharing.
   */
  private readonly propNames: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);

  constructor(
    readonly lexer: DtsLexer,
    private readonly files: SourceFiles,
  ) {
    this.expr = new ExpressionParser(this);
  }

  /** The lookahead's kind (T_*), scanning it if needed; its fields are on the lexer. */
  kind(): number {
    if (!this.ahead) {
      this.lexer.advance();
      this.ahead = true;
    }
    return this.lexer.kind;
  }

  /** Consume the lookahead; its fields stay readable until the next kind(). */
  drop(): void {
    this.ahead = false;
  }

  peek(): Token {
    this.kind();
    return this.lexer.token();
  }

  next(): Token {
    const t = this.peek();
    this.ahead = false;
    return t;
  }

  syntaxError(tok: Token): FdtError {
    return new FdtError('DTS_SYNTAX', 'syntax error', { position: positionNow(tok), hint: `unexpected ${describe(tok)}` });
  }

  /** Whether the lookahead is the one-char token `code`. */
  private atChar(code: number): boolean {
    return this.kind() === T_CHAR && this.lexer.ch === code;
  }

  /** Consume the one-char token `code` or fail on the lookahead. */
  private expect(code: number): void {
    if (!this.atChar(code)) throw this.syntaxError(this.lexer.token());
    this.drop();
  }

  private expectChar(c: string): Token {
    const t = this.next();
    if (!isChar(t, c)) throw this.syntaxError(t);
    return t;
  }

  /** spanTo for a property, kept as numbers until read (Property.setSpan). */
  private spanProp(prop: Property, firstLine: number, firstColumn: number): Property {
    const lx = this.lexer;
    prop.setSpan(lx.lastSrc.name, firstLine, firstColumn, lx.lastLine, lx.lastColumn);
    return prop;
  }

  /** From (line, column) to the end of the token just consumed, with its file's name now (positionNow). */
  private spanTo(firstLine: number, firstColumn: number): SourcePosition {
    const lx = this.lexer;
    return { file: lx.lastSrc.name, firstLine, firstColumn, lastLine: lx.lastLine, lastColumn: lx.lastColumn };
  }

  parse(): DeviceTree {
    this.headers();
    const reservations = this.memreserves();
    const root = this.devicetree();
    const tree = new DeviceTree(root);
    tree.reservations = reservations;
    tree.plugin = this.plugin;
    tree.dtsV1 = true;
    tree.bootCpuidPhys = guessBootCpuid(root);
    return tree;
  }

  /** `/dts-v1/;` optionally followed by `/plugin/;`, repeatable with the same flags. */
  private headers(): void {
    const flags: Array<{ plugin: boolean; pos: SourcePosition }> = [];
    do {
      const v1 = this.next();
      if (v1.kind !== 'V1') throw this.syntaxError(v1);
      let end = this.expectChar(';');
      let plugin = false;
      if (this.peek().kind === 'PLUGIN') {
        this.next();
        end = this.expectChar(';');
        plugin = true;
      }
      flags.push({ plugin, pos: spanPositions(v1.pos, end.pos) });
    } while (this.peek().kind === 'V1');
    for (let i = flags.length - 1; i > 0; i--) {
      if (flags[i]!.plugin !== flags[i - 1]!.plugin) {
        throw new FdtError('DTS_HEADER_MISMATCH', "Header flags don't match earlier ones", {
          position: spanPositions(flags[i]!.pos, flags[flags.length - 1]!.pos),
          hint: 'every /dts-v1/; header must agree on /plugin/;',
        });
      }
    }
    this.plugin = flags[0]!.plugin;
  }

  private memreserves(): ReserveEntry[] {
    const list: ReserveEntry[] = [];
    for (;;) {
      const labels: Token[] = [];
      while (this.peek().kind === 'LABEL') labels.push(this.next());
      if (this.peek().kind !== 'MEMRESERVE') {
        if (labels.length) throw this.syntaxError(this.peek());
        return list;
      }
      this.next();
      const address = this.expr.primary().value;
      const size = this.expr.primary().value;
      this.expectChar(';');
      const entry: ReserveEntry = { address, size, labels: [] };
      applyLabels(entry.labels, labels);
      list.push(entry);
    }
  }

  private devicetree(): Node {
    let root: Node;
    const first = this.next();
    if (isChar(first, '/')) {
      root = this.nodedef();
    } else if (isRef(first)) {
      const nd = this.nodedef();
      if (!this.plugin) throw notFound(first.text, nd.position!);
      root = new Node('');
      addOrphanNode(root, nd, first.text, this.fragments++);
    } else {
      throw this.syntaxError(first);
    }
    const labels = new TreeIndex(root);
    const orphan = (nd: Node, ref: string): void => {
      addOrphanNode(root, nd, ref, this.fragments++);
      labels.addSubtree(root.children[root.children.length - 1]!);
    };
    for (;;) {
      const t = this.next();
      if (t.kind === 'EOF') return root;
      if (isChar(t, '/')) {
        mergeNodes(root, this.nodedef(), labels);
      } else if (t.kind === 'LABEL') {
        const ref = this.next();
        if (!isRef(ref)) throw this.syntaxError(ref);
        const nd = this.nodedef();
        const target = findNodeByRef(root, ref.text, labels);
        if (!target) throw notFound(ref.text, positionNow(ref));
        addLabel(target.labels, t.text);
        labels.add(target);
        mergeNodes(target, nd, labels);
      } else if (isRef(t)) {
        const nd = this.nodedef();
        // In a plugin a path always becomes a fragment; a label only when it is not defined here.
        const target = this.plugin && t.kind === 'PATH_REF' ? undefined : findNodeByRef(root, t.text, labels);
        if (target) mergeNodes(target, nd, labels);
        else if (this.plugin) orphan(nd, t.text);
        else throw notFound(t.text, positionNow(t));
      } else if (t.kind === 'DEL_NODE' || t.kind === 'OMIT_NO_REF') {
        const ref = this.next();
        if (!isRef(ref)) throw this.syntaxError(ref);
        this.expectChar(';');
        const target = findNodeByRef(root, ref.text, labels);
        if (!target) throw notFound(ref.text, positionNow(ref));
        if (t.kind === 'DEL_NODE') deleteNode(target);
        else target.omitIfUnused = true;
      } else {
        throw this.syntaxError(t);
      }
    }
  }

  /** `{ properties subnodes };` with nested nodes on an explicit stack. */
  private nodedef(): Node {
    const lx = this.lexer;
    this.expect(0x7b); // {
    const top = new Node('');
    const stack: NodeFrame[] = [{ node: top, openLine: lx.firstLine, openColumn: lx.firstColumn, seenSubnode: false }];
    for (;;) {
      const f = stack[stack.length - 1]!;
      // The item's prefix: label names (most items have none) and /omit-if-no-ref/, and where it starts.
      let labels: string[] | undefined;
      let prefixed = false;
      let omit = false;
      let startLine = 0;
      let startColumn = 0;
      let k = this.kind();
      while (k === T_LABEL || k === T_OMIT_NO_REF) {
        if (!prefixed) {
          prefixed = true;
          startLine = lx.firstLine;
          startColumn = lx.firstColumn;
        }
        if (k === T_LABEL) (labels ??= []).push(lx.text);
        else omit = true;
        this.drop();
        k = this.kind();
      }
      if (!prefixed) {
        startLine = lx.firstLine;
        startColumn = lx.firstColumn;
      }
      if (k === T_CHAR && lx.ch === 0x7d && !prefixed) {
        // }
        this.drop();
        this.expect(0x3b);
        f.node.setSpan(lx.lastSrc.name, f.openLine, f.openColumn, lx.lastLine, lx.lastColumn);
        stack.pop();
        if (!stack.length) return top;
      } else if (k === T_DEL_PROP && !omit) {
        this.drop();
        if (this.kind() !== T_PROPNODENAME) throw this.syntaxError(lx.token());
        const name = lx.text;
        this.drop();
        this.expect(0x3b);
        this.addProp(f, buildPropertyDelete(name), labels, startLine, startColumn);
      } else if (k === T_DEL_NODE) {
        const t = this.next();
        const name = this.next();
        if (name.kind !== 'PROPNODENAME') throw this.syntaxError(name);
        const semi = this.expectChar(';');
        const child = buildNodeDelete(name.text, spanPositions(t.pos, positionNow(semi)));
        this.addChild(f, child, labels, omit);
      } else if (k === T_PROPNODENAME) {
        const name = lx.text;
        const nameLine = lx.firstLine;
        const nameColumn = lx.firstColumn;
        this.drop();
        const n = this.kind();
        if (n === T_CHAR && lx.ch === 0x7b) {
          // {
          this.drop();
          const child = new Node(name);
          this.addChild(f, child, labels, omit);
          stack.push({ node: child, openLine: lx.firstLine, openColumn: lx.firstColumn, seenSubnode: false });
        } else if (n === T_CHAR && lx.ch === 0x3d && !omit) {
          // =
          this.drop();
          const value = this.propdata();
          this.addProp(f, this.spanProp(new Property(this.propName(name), value), nameLine, nameColumn), labels, startLine, startColumn);
        } else if (n === T_CHAR && lx.ch === 0x3b && !omit) {
          // ;
          this.drop();
          this.addProp(f, this.spanProp(new Property(this.propName(name), PropertyValue.empty()), nameLine, nameColumn), labels, startLine, startColumn);
        } else {
          throw this.syntaxError(lx.token());
        }
      } else {
        throw this.syntaxError(lx.token());
      }
    }
  }

  private propName(name: string): string {
    const slot = (name.charCodeAt(0) * 8 + name.length) & 255;
    const known = this.propNames[slot];
    if (known === name) return known;
    this.propNames[slot] = name;
    return name;
  }

  /** `start…` is where the item (its first label, or its name) begins; the item ends with the token just consumed. */
  private addProp(f: NodeFrame, prop: Property, labels: readonly string[] | undefined, startLine: number, startColumn: number): void {
    if (f.seenSubnode) {
      throw new FdtError('DTS_PROP_AFTER_SUBNODE', 'Properties must precede subnodes', {
        position: this.spanTo(startLine, startColumn),
        hint: 'move the property above the first child node',
      });
    }
    if (labels) labelFresh(prop, labels);
    f.node.addProperty(prop);
  }

  private addChild(f: NodeFrame, child: Node, labels: readonly string[] | undefined, omit: boolean): void {
    if (labels) labelFresh(child, labels);
    if (omit) child.omitIfUnused = true;
    f.node.addChild(child);
    f.seenSubnode = true;
  }

  /** A property value after `=`, through the closing `;`. */
  private propdata(): PropertyValue {
    const lx = this.lexer;
    const b = this.valueScratch.reset();
    for (;;) {
      let k = this.kind();
      while (k === T_LABEL) {
        b.addMarker('label', lx.text);
        this.drop();
        k = this.kind();
      }
      if (k === T_STRING) {
        lx.appendString(b);
        this.drop();
      } else if ((k === T_CHAR && lx.ch === 0x3c) || k === T_BITS) {
        this.drop();
        this.array(b, k === T_BITS);
      } else if (k === T_CHAR && lx.ch === 0x5b) {
        this.drop();
        this.bytestring(b);
      } else if (k === T_LABEL_REF || k === T_PATH_REF) {
        b.addMarker('string', lx.text).addMarker('ref-path', lx.text);
        this.drop();
      } else if (k === T_INCBIN) {
        this.drop();
        this.incbin(b);
      } else {
        throw this.syntaxError(lx.token());
      }
      k = this.kind();
      while (k === T_LABEL) {
        b.addMarker('label', lx.text);
        this.drop();
        k = this.kind();
      }
      if (k !== T_CHAR || (lx.ch !== 0x3b && lx.ch !== 0x2c)) throw this.syntaxError(lx.token());
      this.drop();
      if (lx.ch === 0x3b) return b.take(this.values);
    }
  }

  /** `<…>` or `/bits/ N <…>`: cells, phandle references and labels. */
  private array(b: ValueBuilder, sized: boolean): void {
    const lx = this.lexer;
    let bits = 32;
    if (sized) {
      const size = this.next();
      if (size.kind !== 'LITERAL') throw this.syntaxError(size);
      // dtc checks the size when it reduces `/bits/ N <`, i.e. after the `<`.
      this.expectChar('<');
      if (!BIT_TYPES.has(size.value)) {
        throw new FdtError('DTS_BAD_BITS', 'Array elements must be 8, 16, 32 or 64-bits', { position: positionNow(size), hint: 'use /bits/ 8, 16, 32 or 64' });
      }
      bits = Number(size.value);
    }
    const { marker, mask } = ARRAY_WIDTHS.get(bits)!;
    b.addMarker(marker);
    const width = bits as 8 | 16 | 32 | 64;
    for (;;) {
      const k = this.kind();
      if (k === T_CHAR && lx.ch === 0x3e) {
        // >
        this.drop();
        return;
      }
      if (k === T_LABEL) {
        b.addMarker('label', lx.text);
        this.drop();
      } else if (k === T_LABEL_REF || k === T_PATH_REF) {
        if (bits !== 32) {
          throw new FdtError('DTS_BAD_REF', 'References are only allowed in arrays with 32-bit elements.', {
            position: positionNow(this.next()),
            hint: 'put phandle references in a plain <...> array',
          });
        }
        b.addMarker('ref-phandle', lx.text);
        b.appendCell(0xffffffff); // the 32-bit mask: a placeholder until the checks resolve the reference
        this.drop();
      } else if (bits === 32 && k === T_LITERAL && lx.small >= 0 && lx.small <= 0xffffffff) {
        // The common plain cell: what primary() and the range check below would do, without BigInts.
        b.appendCell(lx.small);
        this.drop();
      } else {
        const v = this.expr.primary();
        if (bits < 64 && v.value > mask && (v.value | mask) !== U64) {
          throw new FdtError('DTS_VALUE_RANGE', `Value out of range for ${bits}-bit array element`, {
            position: positionNow(v),
            hint: `values must fit in ${bits} bits (or be sign-extended negatives)`,
          });
        }
        if (bits === 32 && v.value <= 0xffffffffn) b.appendCell(Number(v.value));
        else b.appendInteger(v.value & mask, width);
      }
    }
  }

  private bytestring(b: ValueBuilder): void {
    const lx = this.lexer;
    b.addMarker('uint8');
    for (;;) {
      const k = this.kind();
      if (k === T_BYTE) b.appendByte(lx.small);
      else if (k === T_LABEL) b.addMarker('label', lx.text);
      else if (k === T_CHAR && lx.ch === 0x5d) {
        // ]
        this.drop();
        return;
      } else throw this.syntaxError(lx.token());
      this.drop();
    }
  }

  /** `/incbin/("file")` or `/incbin/("file", offset, length)`. */
  private incbin(b: ValueBuilder): void {
    this.expectChar('(');
    const nameTok = this.next();
    if (nameTok.kind !== 'STRING') throw this.syntaxError(nameTok);
    let offset = 0n;
    let length = U64;
    let t = this.next();
    if (isChar(t, ',')) {
      offset = this.expr.primary().value;
      this.expectChar(',');
      length = this.expr.primary().value;
      t = this.next();
    }
    if (!isChar(t, ')')) throw this.syntaxError(t);
    const raw = nameTok.data!.bytes;
    const name = String.fromCharCode(...raw.subarray(0, raw.indexOf(0)));
    const file = this.files.open(name, this.lexer.currentDir, nameTok.pos);
    if (offset >= 1n << 63n) {
      throw new FdtError('DTS_INCBIN_SEEK', `Couldn't seek to offset ${offset} in "${name}": Invalid argument`, {
        position: nameTok.pos,
        hint: 'the offset must be a non-negative file offset',
      });
    }
    const size = BigInt(file.bytes.length);
    const from = offset < size ? offset : size;
    const to = length >= size - from ? size : from + length;
    b.addMarker('none');
    b.appendBytes(file.bytes.subarray(Number(from), Number(to)));
  }
}
