/**
 * dtc 1.6.1's check pass (checks.c): the check table in dtc's order, with
 * prerequisites, default warning/error levels, `-W`/`-E` handling, and the
 * checks that edit the tree (explicit phandles, reference fixups, removal of
 * unreferenced `/omit-if-no-ref/` nodes, dropping redundant `name`
 * properties). Messages are dtc's, word for word.
 *
 * The engine keeps dtc's control flow exactly, including two consequences of
 * C's short-circuit `||`: once a check has reported an error, later checks in
 * the table (and later prerequisites of the same check) are not run at all.
 */
import { FdtError } from '../errors.js';
import type { DeviceTree, Node, Property } from '../tree/livetree.js';
import { ValueArena } from '../tree/data.js';
import { invalidatePhandleIndex } from '../tree/phandles.js';
import { TreeLookup } from '../tree/phandle-index.js';
import { type SourcePosition, formatDtcPosition } from '../srcpos.js';
import { type Candidates, type DtcCheckContext, type DtcCheckSpec, type PhandleFormat, fullPath, spec } from './support.js';
import { alwaysFail, cellCheck, stringCheck, stringListCheck, structureChecks } from './structure.js';
import { phandleChecks, providerCheckList } from './phandles.js';
import { addressChecks } from './addresses.js';
import { busChecks } from './buses.js';

export type { PhandleFormat };

/** One `-W`/`-E` argument. */
export interface DtcCheckSetting {
  name: string;
  warn: boolean;
  error: boolean;
  enable: boolean;
}

export interface DtcCheckOptions {
  /** dtc -H; default 'epapr'. */
  phandleFormat?: PhandleFormat;
  /** -W/-E arguments, in command-line order. */
  settings?: DtcCheckSetting[];
  /** Number of -q flags. */
  quiet?: number;
  /** dtc -@: labelled nodes then count as referenced for /omit-if-no-ref/. */
  generateSymbols?: boolean;
}

export interface DtcCheckDiagnostic {
  check: string;
  severity: 'warning' | 'error';
  message: string;
  /** Node path; absent for messages about the check itself ("Failed prerequisite"). */
  path?: string;
  property?: string;
  position?: SourcePosition;
  /** Further source blocks of the node (dtc's "also defined at" lines). */
  alsoDefinedAt?: SourcePosition[];
}

export interface DtcCheckResult {
  diagnostics: DtcCheckDiagnostic[];
  hasErrors: boolean;
}

const TABLE = [
  structureChecks.duplicate_node_names,
  structureChecks.duplicate_property_names,
  structureChecks.node_name_chars,
  structureChecks.node_name_format,
  structureChecks.property_name_chars,
  structureChecks.name_is_string,
  structureChecks.name_properties,
  structureChecks.node_name_vs_property_name,

  structureChecks.duplicate_label,

  phandleChecks.explicit_phandles,
  phandleChecks.phandle_references,
  phandleChecks.path_references,
  phandleChecks.omit_unused_nodes,

  cellCheck('address_cells_is_cell', '#address-cells'),
  cellCheck('size_cells_is_cell', '#size-cells'),
  stringCheck('device_type_is_string', 'warning', 'device_type'),
  stringCheck('model_is_string', 'warning', 'model'),
  stringCheck('status_is_string', 'warning', 'status'),
  stringCheck('label_is_string', 'warning', 'label'),

  stringListCheck('compatible_is_string_list', 'compatible'),
  structureChecks.names_is_string_list,

  structureChecks.property_name_chars_strict,
  structureChecks.node_name_chars_strict,

  addressChecks.addr_size_cells,
  addressChecks.reg_format,
  addressChecks.ranges_format,
  addressChecks.dma_ranges_format,

  structureChecks.unit_address_vs_reg,
  addressChecks.unit_address_format,

  busChecks.pci_bridge,
  busChecks.pci_device_reg,
  busChecks.pci_device_bus_num,

  busChecks.simple_bus_bridge,
  busChecks.simple_bus_reg,

  busChecks.i2c_bus_bridge,
  busChecks.i2c_bus_reg,

  busChecks.spi_bus_bridge,
  busChecks.spi_bus_reg,

  addressChecks.avoid_default_addr_size,
  addressChecks.avoid_unnecessary_addr_size,
  addressChecks.unique_unit_address,
  addressChecks.unique_unit_address_if_enabled,
  structureChecks.obsolete_chosen_interrupt_controller,
  structureChecks.chosen_node_is_root,
  structureChecks.chosen_node_bootargs,
  structureChecks.chosen_node_stdout_path,

  ...providerCheckList,

  phandleChecks.deprecated_gpio_property,
  phandleChecks.gpios_property,
  phandleChecks.interrupts_property,
  phandleChecks.interrupt_provider,

  structureChecks.alias_paths,

  busChecks.graph_nodes,
  busChecks.graph_child_address,
  busChecks.graph_port,
  busChecks.graph_endpoint,

  spec('always_fail', 'off', alwaysFail),
] as const;

type Row = (typeof TABLE)[number];
/** Every check name, as a type: CheckRunner.state takes only these, so a prerequisite naming no row does not compile. */
export type DtcCheckName = Row['name'];

/**
 * Where the rows that visit only some nodes (DtcCheckSpec.only) find them:
 * one list per distinct request, filled by one pass over the tree
 * (listCandidates) instead of one walk per check.
 */
interface CandidatePlan {
  /** Number of lists. */
  readonly count: number;
  /** Row name → its list. */
  readonly byRow: ReadonlyMap<string, number>;
  /** Property name → the lists a live property of that name puts its node on. */
  readonly liveName: ReadonlyMap<string, readonly number[]>;
  /** The same for deleted properties (rows whose body reads the raw list). */
  readonly deletedName: ReadonlyMap<string, readonly number[]>;
  /** Name tests, each run once per distinct property name (NAME_CLASSES). */
  readonly tests: readonly { readonly test: (name: string) => boolean; readonly list: number }[];
  /**
   * Node name tests by the name's first char code (below 128): `exact`
   * compares the whole name, otherwise the base name before any `@`. One
   * table lookup per node instead of a comparison per test. Every slot holds
   * an array (most the same empty one) and the index is tested first (the
   * root's '' gives NaN), so the per-node load never meets a hole or an
   * index out of range: the first build, which indexed with NaN once per
   * tree, counted more instructions than the build without it, not fewer.
   */
  readonly nodeNames: readonly (readonly NodeNameTest[])[];
  readonly siblings: number;
  readonly duplicatePropertyName: number;
  readonly refPhandle: number;
  readonly refPath: number;
  readonly label: number;
  readonly omitIfUnused: number;
  readonly root: number;
}

interface NodeNameTest {
  readonly name: string;
  readonly exact: boolean;
  readonly list: number;
}

function planCandidates(rows: readonly DtcCheckSpec[]): CandidatePlan {
  const keys = new Map<unknown, number>();
  const listFor = (key: unknown): number => {
    let i = keys.get(key);
    if (i === undefined) keys.set(key, (i = keys.size));
    return i;
  };
  const byRow = new Map<string, number>();
  const liveName = new Map<string, number[]>();
  const deletedName = new Map<string, number[]>();
  const tests: { test: (name: string) => boolean; list: number }[] = [];
  const none: NodeNameTest[] = [];
  const nodeNames: NodeNameTest[][] = [];
  for (let c = 0; c < 128; c++) nodeNames.push(none);
  const addNodeName = (name: string, exact: boolean, list: number): void => {
    const c = name.charCodeAt(0);
    if (!(c < 128)) throw new Error(`node name test ${name} must start with an ASCII char`);
    if (nodeNames[c] === none) nodeNames[c] = [];
    const tests = nodeNames[c]!;
    if (!tests.some((t) => t.list === list && t.name === name && t.exact === exact)) tests.push({ name, exact, list });
  };
  const addTo = (map: Map<string, number[]>, name: string, list: number): void => {
    const lists = map.get(name);
    if (!lists) map.set(name, [list]);
    else if (!lists.includes(list)) lists.push(list);
  };
  for (const row of rows) {
    const c: Candidates | undefined = row.only;
    if (c === undefined) continue;
    let list: number;
    switch (c.kind) {
      case 'property':
        list = listFor(`property:${c.deletedToo ? 'raw' : 'live'}:${c.names.join('/')}:${(c.baseNames ?? []).join('/')}`);
        for (const name of c.names) {
          addTo(liveName, name, list);
          if (c.deletedToo) addTo(deletedName, name, list);
        }
        for (const name of c.baseNames ?? []) addNodeName(name, false, list);
        break;
      case 'propertyName':
        list = listFor(c.test);
        if (!tests.some((t) => t.list === list)) tests.push({ test: c.test, list });
        break;
      case 'nodeName':
        list = listFor(`node:${c.name}`);
        addNodeName(c.name, true, list);
        break;
      case 'marker':
        list = listFor(`marker:${c.type}`);
        break;
      default:
        list = listFor(c.kind);
    }
    byRow.set(row.name, list);
  }
  return {
    count: keys.size,
    byRow,
    liveName,
    deletedName,
    tests,
    nodeNames,
    siblings: listFor('siblings'),
    duplicatePropertyName: listFor('duplicatePropertyName'),
    refPhandle: listFor('marker:ref-phandle'),
    refPath: listFor('marker:ref-path'),
    label: listFor('label'),
    omitIfUnused: listFor('omitIfUnused'),
    root: listFor('root'),
  };
}

const BY_NAME: ReadonlyMap<string, DtcCheckSpec> = new Map(TABLE.map((c) => [c.name, c]));

const PLAN = planCandidates(TABLE);

/** Every check name, in dtc's table order. */
export const CHECK_NAMES: readonly string[] = TABLE.map((c) => c.name);

/**
 * Parse one `-W`/`-E` argument (with or without the `-W`/`-E` prefix);
 * `no-`/`no_` disables. Unknown names fail as dtc does.
 */
export function parseCheckOption(arg: string, kind: 'W' | 'E'): DtcCheckSetting {
  let name = arg.startsWith(`-${kind}`) ? arg.slice(2) : arg;
  let enable = true;
  if (name.startsWith('no-') || name.startsWith('no_')) {
    name = name.slice(3);
    enable = false;
  }
  if (!BY_NAME.has(name)) {
    throw new FdtError('DTC_UNKNOWN_CHECK', `Unrecognized check name "${name}"`, {
      hint: `known checks: ${CHECK_NAMES.join(', ')}`,
    });
  }
  return { name, warn: kind === 'W', error: kind === 'E', enable };
}

/**
 * dtc's stderr text for one diagnostic, without the final newline.
 * `fileName` stands in when there is no source position: dtc prints its
 * output file name there (`<stdout>` for `-`). Messages about unresolved
 * references end in a newline of their own, as in dtc, so those print as a
 * line followed by an empty line.
 */
export function formatCheckDiagnostic(d: DtcCheckDiagnostic, fileName: string): string {
  const where = d.position ? formatDtcPosition(d.position) : fileName === '-' ? '<stdout>' : fileName;
  let s = `${where}: ${d.severity === 'error' ? 'ERROR' : 'Warning'} (${d.check}): `;
  if (d.path !== undefined) s += d.property !== undefined ? `${d.path}:${d.property}: ` : `${d.path}: `;
  s += d.message;
  for (const p of d.alsoDefinedAt ?? []) s += `\n  also defined at ${formatDtcPosition(p)}`;
  return s;
}

type Status = 'unchecked' | 'prereq' | 'passed' | 'failed';

interface CheckState {
  readonly spec: Row;
  warn: boolean;
  error: boolean;
  status: Status;
}

class CheckRunner {
  private readonly states = new Map<string, CheckState>();
  readonly diagnostics: DtcCheckDiagnostic[] = [];
  private readonly lookup: TreeLookup;
  /** Live nodes in dtc's visiting order, fixed when the run starts (dtc's fill_fullpaths time). */
  private readonly order: Node[];
  /** Nodes deleted by the fixups during the run (see hadPath). */
  private readonly deletedInRun = new Set<Node>();
  private readonly values = new ValueArena();
  /** The candidate lists of PLAN, made on first use (see listCandidates for why they stay valid). */
  private candidates: Node[][] | undefined;

  constructor(
    private readonly tree: DeviceTree,
    private readonly opts: DtcCheckOptions,
  ) {
    for (const spec of TABLE) {
      this.states.set(spec.name, { spec, warn: spec.level === 'warning', error: spec.level === 'error', status: 'unchecked' });
    }
    this.lookup = new TreeLookup(tree.root);
    this.lookup.noPhandlesYet(); // processChecks zeroed them
    this.order = preorder(tree.root);
  }

  private state(name: DtcCheckName): CheckState {
    return this.states.get(name)!;
  }

  /** dtc's enable_warning_error: raising a level raises it for the prerequisites too. */
  private enable(c: CheckState, warn: boolean, error: boolean): void {
    if ((warn && !c.warn) || (error && !c.error)) {
      for (const p of c.spec.prereqs) this.enable(this.state(p), warn, error);
    }
    c.warn ||= warn;
    c.error ||= error;
  }

  /** dtc's disable_warning_error: lowering a level lowers it for the checks that depend on this one. */
  private disable(c: CheckState, warn: boolean, error: boolean): void {
    if ((warn && c.warn) || (error && c.error)) {
      for (const other of TABLE) {
        for (const p of other.prereqs) if (p === c.spec.name) this.disable(this.state(other.name), warn, error);
      }
    }
    c.warn &&= !warn;
    c.error &&= !error;
  }

  applySettings(settings: readonly DtcCheckSetting[]): void {
    for (const s of settings) {
      const c = this.states.get(s.name);
      if (!c) throw new FdtError('DTC_UNKNOWN_CHECK', `Unrecognized check name "${s.name}"`);
      if (s.enable) this.enable(c, s.warn, s.error);
      else this.disable(c, s.warn, s.error);
    }
  }

  /**
   * Whether `node` was in `order`, i.e. live with live ancestors up to the
   * root (whose own flag preorder ignores) when the run started; nodes
   * deleted since then were deleted by the run's fixups. An upward walk
   * instead of a set of `order`: most runs of kernel trees report
   * something, and the set cost a hash per node.
   */
  private hadPath(node: Node): boolean {
    let n: Node = node;
    for (;;) {
      if (n === this.tree.root) return true; // visited even when deleted (see preorder)
      if ((n.deleted && !this.deletedInRun.has(n)) || !n.parent) return false;
      n = n.parent;
    }
  }

  private report(c: CheckState, node: Node | undefined, prop: Property | undefined, message: string): void {
    const quiet = this.opts.quiet ?? 0;
    if (!(c.warn && quiet < 1) && !(c.error && quiet < 2)) return;
    const d: DtcCheckDiagnostic = { check: c.spec.name, severity: c.error ? 'error' : 'warning', message };
    const position = prop?.position ?? node?.position;
    if (position) d.position = position;
    if (node) {
      // dtc names nodes by the paths it filled in before the checks; nodes already deleted then have none
      d.path = this.hadPath(node) ? fullPath(node) : '(null)';
      if (prop) d.property = prop.name;
      if (!prop && position) {
        if (node.alsoDefinedAt && node.alsoDefinedAt.length > 0) d.alsoDefinedAt = [...node.alsoDefinedAt];
      }
    }
    this.diagnostics.push(d);
  }

  private context(c: CheckState): DtcCheckContext {
    return {
      tree: this.tree,
      lookup: this.lookup,
      phandleFormat: this.opts.phandleFormat ?? 'epapr',
      generateSymbols: this.opts.generateSymbols ?? false,
      checkName: c.spec.name,
      deletedInRun: this.deletedInRun,
      values: this.values,
      scratch: new Map(), // not a WeakMap: it dies with the context, and WeakMaps cost the collector more
      fail: (node, message) => {
        c.status = 'failed';
        this.report(c, node, undefined, message);
      },
      failProp: (node, prop, message) => {
        c.status = 'failed';
        this.report(c, node, prop, message);
      },
    };
  }

  /** dtc's run_check; returns whether an error-level check failed. */
  run(c: CheckState): boolean {
    let error = false;
    if (c.status === 'unchecked') {
      for (const name of c.spec.prereqs) {
        const prq = this.state(name);
        error = error || this.run(prq); // C short-circuit: after an error, later prerequisites are skipped
        if (prq.status !== 'passed') {
          c.status = 'prereq';
          this.report(c, undefined, undefined, `Failed prerequisite '${name}'`);
        }
      }
      if (c.status === 'unchecked') {
        this.visitAll(c);
        if (c.status === 'unchecked') c.status = 'passed';
      }
    }
    return error || (c.status !== 'passed' && c.error);
  }

  private visitAll(c: CheckState): void {
    const { visit, only, prepare } = c.spec;
    if (!visit) return;
    prepare?.(this.order);
    let nodes: readonly Node[] = this.order;
    if (only !== undefined) {
      this.candidates ??= listCandidates(this.tree.root, this.order, PLAN);
      nodes = this.candidates[PLAN.byRow.get(c.spec.name)!]!;
    }
    walk(nodes, visit, this.context(c));
  }

  runAll(): boolean {
    let error = false;
    for (const spec of TABLE) {
      const c = this.state(spec.name);
      if (c.warn || c.error) error = error || this.run(c); // C short-circuit, as in dtc's process_checks
    }
    return error;
  }
}

/**
 * dtc's check_nodes_props: each node, then its live children, recursively.
 * The order is computed once per run; the checks never add nodes, and a node
 * deleted meanwhile (with its whole subtree) is skipped, as dtc skips it.
 */
function walk(order: readonly Node[], visit: (ctx: DtcCheckContext, node: Node) => void, ctx: DtcCheckContext): void {
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    if (!node.deleted) visit(ctx, node);
  }
}

/** Append `node` unless it is already the list's last entry (lists are filled in visiting order). */
function push(list: Node[], node: Node): void {
  if (list[list.length - 1] !== node) list.push(node);
}

/** What one property name means to the candidate lists; it depends on the name alone, so it is kept across runs. */
interface NameClass {
  /** The lists (indexes into a run's lists) a live property of this name puts its node on. */
  readonly lists: readonly number[];
  /** Serial number (see nodeSerial) of the last node seen with a live property of this name: finds duplicates. */
  lastNode: number;
}

/**
 * Name classes of every run so far: most names recur across trees (the
 * kernel corpus has a few thousand distinct ones), so a name's tests run
 * once per process. Bounded, since names are input: past the cap, new
 * names get a class per run.
 */
const NAME_CLASSES = new Map<string, NameClass>();
const NAME_CLASSES_CAP = 20_000;

/** Node serial numbers, increasing across runs, so that a name class's lastNode never matches a node of an earlier run. */
let nodeSerial = 0;

/**
 * The name as a string of its own. The parser's names are slices of the
 * whole source text, and V8 keeps that text alive as long as any slice of
 * it: a process-wide key would keep every file that brought a new name
 * (17 MiB of text after the 766 kernel sources). `join` builds a new flat
 * string.
 */
function ownString(name: string): string {
  return name.split('').join('');
}

function classifyName(plan: CandidatePlan, name: string, overflow: Map<string, NameClass>): NameClass {
  const lists = [...(plan.liveName.get(name) ?? [])];
  for (const t of plan.tests) if (t.test(name) && !lists.includes(t.list)) lists.push(t.list);
  const cls: NameClass = { lists, lastNode: -1 };
  if (NAME_CLASSES.size < NAME_CLASSES_CAP) NAME_CLASSES.set(ownString(name), cls);
  else overflow.set(name, cls);
  return cls;
}

/**
 * The live nodes (in visiting order) each list of `plan` asks for, in one
 * pass over nodes and properties. A tree repeats few property names many
 * times, so each distinct name is classified once (NAME_CLASSES).
 *
 * The lists are made once per run, though the fixup checks edit the tree
 * afterwards. That is sound because a list may hold more nodes than its
 * check acts on, never fewer, and no fixup puts a node on a list it was not
 * on: name_properties removes a property, omit_unused_nodes deletes nodes
 * (the walk skips them), path_references rewrites values, and
 * phandle_references adds only `phandle`/`linux,phandle`, without labels or
 * markers, to nodes; the only lists keyed on those names are
 * explicit_phandles', its prerequisite, which has run by then.
 */
function listCandidates(root: Node, order: readonly Node[], plan: CandidatePlan): Node[][] {
  const lists: Node[][] = [];
  for (let i = 0; i < plan.count; i++) lists.push([]);
  const overflow = new Map<string, NameClass>();
  const duplicates = lists[plan.duplicatePropertyName]!;
  const refPhandle = lists[plan.refPhandle]!;
  const refPath = lists[plan.refPath]!;
  const labelled = lists[plan.label]!;
  const omit = lists[plan.omitIfUnused]!;
  const siblings = lists[plan.siblings]!;
  const nodeNames = plan.nodeNames;
  for (let n = 0; n < order.length; n++) {
    const node = order[n]!;
    if (node.deleted) continue;
    const serial = ++nodeSerial;
    if (node.hasLabels) push(labelled, node);
    if (node.omitIfUnused) push(omit, node);
    if (node.children.length >= 2) siblings.push(node);
    const name = node.name;
    const c0 = name.length === 0 ? 0 : name.charCodeAt(0);
    if (c0 < 128) {
      const tests = nodeNames[c0]!;
      for (let i = 0; i < tests.length; i++) {
        const t = tests[i]!;
        const len = t.name.length;
        if (t.exact ? name === t.name : name.startsWith(t.name) && (name.length === len || name.charCodeAt(len) === 0x40)) push(lists[t.list]!, node);
      }
    }
    const props = node.properties;
    for (let i = 0; i < props.length; i++) {
      const p = props[i]!;
      if (p.deleted) {
        const raw = plan.deletedName.get(p.name);
        if (raw !== undefined) for (const l of raw) push(lists[l]!, node);
        continue;
      }
      const cls = NAME_CLASSES.get(p.name) ?? overflow.get(p.name) ?? classifyName(plan, p.name, overflow);
      if (cls.lastNode === serial) push(duplicates, node);
      else cls.lastNode = serial;
      const mine = cls.lists;
      for (let k = 0; k < mine.length; k++) push(lists[mine[k]!]!, node);
      if (p.hasLabels) push(labelled, node);
      const markers = p.value.markers;
      for (let k = 0; k < markers.length; k++) {
        const type = markers[k]!.type;
        if (type === 'ref-phandle') push(refPhandle, node);
        else if (type === 'ref-path') push(refPath, node);
        else if (type === 'label') push(labelled, node);
      }
    }
  }
  lists[plan.root]!.push(root);
  return lists;
}

function preorder(root: Node): Node[] {
  const order: Node[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) {
      const child = node.children[i]!;
      if (!child.deleted) stack.push(child);
    }
  }
  return order;
}

/** Give every node dtc's fresh-from-the-parser state for what the checks compute. */
function resetCheckState(root: Node): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    node.phandle = 0;
    node.addrCells = 0;
    node.sizeCells = 0;
    node.bus = undefined;
    for (const c of node.children) stack.push(c);
  }
}

/**
 * dtc's process_checks: run the enabled checks in table order over the live
 * tree, applying their fixups to it. `hasErrors` is dtc's "Input tree has
 * errors" condition (exit 2 without -f).
 */
export function processChecks(tree: DeviceTree, opts: DtcCheckOptions = {}): DtcCheckResult {
  resetCheckState(tree.root);
  invalidatePhandleIndex(tree);
  const runner = new CheckRunner(tree, opts);
  runner.applySettings(opts.settings ?? []);
  const hasErrors = runner.runAll();
  invalidatePhandleIndex(tree); // phandles changed behind phandles.ts's cache
  return { diagnostics: runner.diagnostics, hasErrors };
}
