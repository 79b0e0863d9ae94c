/**
 * The DTS parser: dtc 1.6.1's grammar (dtc-parser.y) read by hand, building
 * the same live tree dtc builds before its checks run — value markers at the
 * same offsets, deleted entries kept, labels in dtc's order, merges and
 * plugin fragments applied as the source is read. Node nesting is handled
 * with an explicit stack, so depth is limited by memory, not the JS stack.
 */
import { ValueBuilder, type MarkerType, type PropertyValue } from '../tree/data.js';
import { FdtError } from '../errors.js';
import { ExpressionParser, type TokenSource } from './expressions.js';
import { DtsLexer, positionNow, type Token } from './lexer.js';
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

const NO_PREFIX: Token[] = [];

interface NodeFrame {
  node: Node;
  open: SourcePosition;
  seenSubnode: boolean;
}

class DtsParser implements TokenSource {
  private look: Token | undefined;
  private readonly expr: ExpressionParser;
  private plugin = false;
  private fragments = 0;
  /** Reused for every property value (build() copies out): saves an allocation and regrowth per property. */
  private readonly valueScratch = new ValueBuilder(256);

  constructor(
    private readonly lexer: DtsLexer,
    private readonly files: SourceFiles,
  ) {
    this.expr = new ExpressionParser(this);
  }

  peek(): Token {
    if (!this.look) this.look = this.lexer.next();
    return this.look;
  }

  next(): Token {
    const t = this.peek();
    this.look = undefined;
    return t;
  }

  syntaxError(tok: Token): FdtError {
    return new FdtError('DTS_SYNTAX', 'syntax error', { position: positionNow(tok), hint: `unexpected ${describe(tok)}` });
  }

  private expectChar(c: string): Token {
    const t = this.next();
    if (!isChar(t, c)) throw this.syntaxError(t);
    return t;
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
    const open = this.expectChar('{');
    const top = new Node('');
    const stack: NodeFrame[] = [{ node: top, open: open.pos, seenSubnode: false }];
    for (;;) {
      const f = stack[stack.length - 1]!;
      // Most items have no prefix: share one empty list rather than allocating one per item.
      let prefix: Token[] = NO_PREFIX;
      let omit = false;
      while (this.peek().kind === 'LABEL' || this.peek().kind === 'OMIT_NO_REF') {
        const p = this.next();
        omit ||= p.kind === 'OMIT_NO_REF';
        if (prefix === NO_PREFIX) prefix = [];
        prefix.push(p);
      }
      const t = this.next();
      if (isChar(t, '}') && !prefix.length) {
        const semi = this.expectChar(';');
        f.node.position = spanPositions(f.open, positionNow(semi));
        stack.pop();
        if (!stack.length) return top;
      } else if (t.kind === 'DEL_PROP' && !omit) {
        const name = this.next();
        if (name.kind !== 'PROPNODENAME') throw this.syntaxError(name);
        const semi = this.expectChar(';');
        const prop = buildPropertyDelete(name.text);
        this.addProp(f, prop, prefix, t, semi);
      } else if (t.kind === 'DEL_NODE') {
        const name = this.next();
        if (name.kind !== 'PROPNODENAME') throw this.syntaxError(name);
        const semi = this.expectChar(';');
        const child = buildNodeDelete(name.text, spanPositions(t.pos, positionNow(semi)));
        this.addChild(f, child, prefix, omit);
      } else if (t.kind === 'PROPNODENAME') {
        const n = this.next();
        if (isChar(n, '{')) {
          const child = new Node(t.text);
          this.addChild(f, child, prefix, omit);
          stack.push({ node: child, open: n.pos, seenSubnode: false });
        } else if (isChar(n, '=') && !omit) {
          const { value, semi } = this.propdata();
          this.addProp(f, new Property(t.text, value, spanPositions(t.pos, positionNow(semi))), prefix, t, semi);
        } else if (isChar(n, ';') && !omit) {
          this.addProp(f, new Property(t.text, new ValueBuilder(0).build(), spanPositions(t.pos, positionNow(n))), prefix, t, n);
        } else {
          throw this.syntaxError(n);
        }
      } else {
        throw this.syntaxError(t);
      }
    }
  }

  private addProp(f: NodeFrame, prop: Property, prefix: readonly Token[], start: Token, end: Token): void {
    if (f.seenSubnode) {
      throw new FdtError('DTS_PROP_AFTER_SUBNODE', 'Properties must precede subnodes', {
        position: spanPositions((prefix[0] ?? start).pos, positionNow(end)),
        hint: 'move the property above the first child node',
      });
    }
    applyLabels(prop.labels, prefix);
    f.node.addProperty(prop);
  }

  private addChild(f: NodeFrame, child: Node, prefix: readonly Token[], omit: boolean): void {
    applyLabels(child.labels, prefix);
    if (omit) child.omitIfUnused = true;
    f.node.addChild(child);
    f.seenSubnode = true;
  }

  /** A property value after `=`, through the closing `;`. */
  private propdata(): { value: PropertyValue; semi: Token } {
    const b = this.valueScratch.reset();
    for (;;) {
      while (this.peek().kind === 'LABEL') b.addMarker('label', this.next().text);
      const t = this.next();
      if (t.kind === 'STRING') b.appendValue(t.data!);
      else if (isChar(t, '<') || t.kind === 'BITS') this.array(b, t);
      else if (isChar(t, '[')) this.bytestring(b);
      else if (isRef(t)) b.addMarker('string', t.text).addMarker('ref-path', t.text);
      else if (t.kind === 'INCBIN') this.incbin(b);
      else throw this.syntaxError(t);
      while (this.peek().kind === 'LABEL') b.addMarker('label', this.next().text);
      const sep = this.next();
      if (isChar(sep, ';')) return { value: b.take(), semi: sep };
      if (!isChar(sep, ',')) throw this.syntaxError(sep);
    }
  }

  /** `<…>` or `/bits/ N <…>`: cells, phandle references and labels. */
  private array(b: ValueBuilder, start: Token): void {
    let bits = 32;
    if (start.kind === 'BITS') {
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
      const t = this.peek();
      if (isChar(t, '>')) {
        this.next();
        return;
      }
      if (t.kind === 'LABEL') {
        b.addMarker('label', this.next().text);
      } else if (isRef(t)) {
        this.next();
        if (bits !== 32) {
          throw new FdtError('DTS_BAD_REF', 'References are only allowed in arrays with 32-bit elements.', {
            position: positionNow(t),
            hint: 'put phandle references in a plain <...> array',
          });
        }
        b.addMarker('ref-phandle', t.text);
        b.appendCell(0xffffffff); // the 32-bit mask: a placeholder until the checks resolve the reference
      } else if (bits === 32 && t.kind === 'LITERAL' && t.small >= 0 && t.small <= 0xffffffff) {
        // The common plain cell: what primary() and the range check below would do, without BigInts.
        this.next();
        b.appendCell(t.small);
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
    b.addMarker('uint8');
    for (;;) {
      const t = this.next();
      if (t.kind === 'BYTE') b.appendByte(t.small);
      else if (t.kind === 'LABEL') b.addMarker('label', t.text);
      else if (isChar(t, ']')) return;
      else throw this.syntaxError(t);
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
