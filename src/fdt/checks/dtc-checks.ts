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
import { invalidatePhandleIndex } from '../tree/phandles.js';
import { TreeLookup } from '../tree/phandle-index.js';
import { type SourcePosition, formatDtcPosition } from '../srcpos.js';
import { type DtcCheckContext, type DtcCheckSpec, type PhandleFormat, fullPath, spec } from './support.js';
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

/** The property names the single-property checks ask for: the only names the runner's index needs. */
const INDEXED_NAMES: ReadonlySet<string> = new Set(TABLE.flatMap((c) => (c.onlyWithProperty === undefined ? [] : [c.onlyWithProperty])));

const BY_NAME: ReadonlyMap<string, DtcCheckSpec> = new Map(TABLE.map((c) => [c.name, c]));

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
  /** The nodes of `order` as a set, made at the first diagnostic: most runs report nothing. */
  private hadPath: Set<Node> | undefined;
  /**
   * Live nodes by the names of their live properties, in visiting order, for
   * the checks that only look at one property. Dropped whenever a check that
   * edits properties (DtcCheckSpec.editsProperties) has walked the tree.
   */
  private propertyIndex: Map<string, Node[]> | undefined;

  constructor(
    private readonly tree: DeviceTree,
    private readonly opts: DtcCheckOptions,
  ) {
    for (const spec of TABLE) {
      this.states.set(spec.name, { spec, warn: spec.level === 'warning', error: spec.level === 'error', status: 'unchecked' });
    }
    this.lookup = new TreeLookup(tree.root);
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

  private report(c: CheckState, node: Node | undefined, prop: Property | undefined, message: string): void {
    const quiet = this.opts.quiet ?? 0;
    if (!(c.warn && quiet < 1) && !(c.error && quiet < 2)) return;
    const d: DtcCheckDiagnostic = { check: c.spec.name, severity: c.error ? 'error' : 'warning', message };
    const position = prop?.position ?? node?.position;
    if (position) d.position = position;
    if (node) {
      // dtc names nodes by the paths it filled in before the checks; nodes already deleted then have none
      d.path = (this.hadPath ??= new Set(this.order)).has(node) ? fullPath(node) : '(null)';
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
    const { visit, onlyWithProperty } = c.spec;
    if (!visit) return;
    if (onlyWithProperty !== undefined) {
      walk(this.nodesWithProperty(onlyWithProperty), visit, this.context(c));
    } else {
      walk(this.order, visit, this.context(c));
      if (c.spec.editsProperties) this.propertyIndex = undefined;
    }
  }

  private nodesWithProperty(name: string): readonly Node[] {
    this.propertyIndex ??= indexByPropertyName(this.order, INDEXED_NAMES);
    return this.propertyIndex.get(name) ?? [];
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

/** Each of `names` mapped to the live nodes (in `order`) with a live property of that name, each node once. */
function indexByPropertyName(order: readonly Node[], names: ReadonlySet<string>): Map<string, Node[]> {
  const index = new Map<string, Node[]>();
  for (const node of order) {
    if (node.deleted) continue;
    for (const p of node.properties) {
      if (p.deleted || !names.has(p.name)) continue;
      const nodes = index.get(p.name);
      if (!nodes) index.set(p.name, [node]);
      else if (nodes[nodes.length - 1] !== node) nodes.push(node);
    }
  }
  return index;
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
