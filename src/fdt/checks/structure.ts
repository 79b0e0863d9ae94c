/**
 * Checks on names, labels and simple property types: dtc's structural checks,
 * its string/cell type checks, the `name` property fixup, aliases and
 * /chosen. Where dtc compares every pair of siblings we group by name first,
 * reporting the same pairs in the same order.
 */
import type { Marker } from '../tree/data.js';
import type { Node, Property } from '../tree/livetree.js';
import { type DtcCheckContext, type DtcCheckSpec, charSet, cString, fullPath, liveProps, propertySpec, spec, strspn, visiting } from './support.js';

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const NODECHARS = charSet(LOWERCASE + UPPERCASE + DIGITS + ',._+-@');
const PROPCHARS = charSet(LOWERCASE + UPPERCASE + DIGITS + ',._+*#?-');
const PROPNODECHARSSTRICT = charSet(LOWERCASE + UPPERCASE + DIGITS + ',-');
const ALIASCHARS = charSet(LOWERCASE + DIGITS + '-');

/** dtc's check_is_string on a named property. */
export function checkIsString(ctx: DtcCheckContext, node: Node, propName: string): void {
  const prop = node.getProperty(propName);
  if (prop && !prop.value.isOneString()) ctx.failProp(node, prop, 'property is not a string');
}

/** dtc's check_is_string_list: every chunk NUL-terminated. */
export function checkIsStringList(ctx: DtcCheckContext, node: Node, propName: string): void {
  const prop = node.getProperty(propName);
  if (prop) checkPropIsStringList(ctx, node, prop);
}

/** checkIsStringList on a property already found (namesIsStringList has it in hand: no second scan by name). */
function checkPropIsStringList(ctx: DtcCheckContext, node: Node, prop: Property): void {
  const v = prop.value;
  const len = v.length;
  let pos = 0;
  while (pos < len) {
    const nul = v.indexOf(0, pos);
    if (nul < 0) {
      ctx.failProp(node, prop, 'property is not a string list');
      return;
    }
    pos = nul + 1;
  }
}

function checkIsCell(ctx: DtcCheckContext, node: Node, propName: string): void {
  const prop = node.getProperty(propName);
  if (prop && prop.value.length !== 4) ctx.failProp(node, prop, 'property is not a single cell');
}

export function stringCheck<const N extends string>(name: N, level: 'warning' | 'error', propName: string): DtcCheckSpec<N, never> {
  return propertySpec(name, level, propName, (ctx, node) => checkIsString(ctx, node, propName));
}

export function stringListCheck<const N extends string>(name: N, propName: string): DtcCheckSpec<N, never> {
  return propertySpec(name, 'warning', propName, (ctx, node) => checkIsStringList(ctx, node, propName));
}

export function cellCheck<const N extends string>(name: N, propName: string): DtcCheckSpec<N, never> {
  return propertySpec(name, 'warning', propName, (ctx, node) => checkIsCell(ctx, node, propName));
}

/** Above this many entries, pairs are found through a name map instead of dtc's nested loop. */
const PAIR_SCAN_LIMIT = 16;

/**
 * Pairs (i < j) of equal names where `outer(i)` is eligible and `inner(j)`
 * is, reported in dtc's nested-loop order: by i, then by j.
 */
function equalNamePairs<T extends { name: string; deleted: boolean }>(
  items: readonly T[],
  outer: (t: T) => boolean,
  inner: (t: T) => boolean,
  report: (first: T, later: T) => void,
): void {
  const n = items.length;
  if (n < 2) return;
  if (n <= PAIR_SCAN_LIMIT) {
    for (let i = 0; i < n; i++) {
      const a = items[i]!;
      if (!outer(a)) continue;
      for (let j = i + 1; j < n; j++) {
        const b = items[j]!;
        if (inner(b) && b.name === a.name) report(a, b);
      }
    }
    return;
  }
  const byName = new Map<string, number[]>();
  for (let j = 0; j < n; j++) {
    const b = items[j]!;
    if (!inner(b)) continue;
    const list = byName.get(b.name);
    if (list) list.push(j);
    else byName.set(b.name, [j]);
  }
  for (let i = 0; i < n; i++) {
    const a = items[i]!;
    if (!outer(a)) continue;
    const same = byName.get(a.name);
    if (same && same.length > 1) for (const j of same) if (j > i) report(a, items[j]!);
  }
}

const isLiveItem = (t: { deleted: boolean }): boolean => !t.deleted;
const anyItem = (): boolean => true;

/** Each later sibling (deleted ones included, as dtc walks the raw list) named like a live earlier one. */
function duplicateNodeNames(ctx: DtcCheckContext, node: Node): void {
  equalNamePairs(node.children, isLiveItem, anyItem, (_a, b) => ctx.fail(b, 'Duplicate node name'));
}

function duplicatePropertyNames(ctx: DtcCheckContext, node: Node): void {
  equalNamePairs(node.properties, isLiveItem, isLiveItem, (a) => ctx.failProp(node, a, 'Duplicate property name'));
}

function nodeNameChars(ctx: DtcCheckContext, node: Node): void {
  const n = strspn(node.name, NODECHARS);
  if (n < node.name.length) ctx.fail(node, `Bad character '${node.name[n]}' in node name`);
}

function nodeNameCharsStrict(ctx: DtcCheckContext, node: Node): void {
  const n = strspn(node.name, PROPNODECHARSSTRICT);
  if (n < node.baseName.length) ctx.fail(node, `Character '${node.name[n]}' not recommended in node name`);
}

function nodeNameFormat(ctx: DtcCheckContext, node: Node): void {
  if (node.unitAddress.includes('@')) ctx.fail(node, "multiple '@' characters in node name");
}

function nodeNameVsPropertyName(ctx: DtcCheckContext, node: Node): void {
  if (node.parent && node.parent.getProperty(node.name)) ctx.fail(node, 'node name and property name conflict');
}

function unitAddressVsReg(ctx: DtcCheckContext, node: Node): void {
  if (node.getChild('__overlay__')) return; // overlay fragments are exempt, as in dtc
  let prop = node.getProperty('reg');
  if (!prop) {
    prop = node.getProperty('ranges');
    if (prop && prop.value.length === 0) prop = undefined;
  }
  const unit = node.unitAddress;
  if (prop) {
    if (unit === '') ctx.fail(node, 'node has a reg or ranges property, but no unit name');
  } else if (unit !== '') {
    ctx.fail(node, 'node has a unit name, but no reg or ranges property');
  }
}

/** Scratch key: the property names that passed this check in this run (each check has its own scratch; a tree repeats few names many times). */
const PASSED_NAMES = {};

function passedNames(ctx: DtcCheckContext): Set<string> {
  let names = ctx.scratch.get(PASSED_NAMES) as Set<string> | undefined;
  if (!names) ctx.scratch.set(PASSED_NAMES, (names = new Set()));
  return names;
}

/** Whether property_name_chars reports a property of this name. */
function badPropertyName(name: string): boolean {
  return strspn(name, PROPCHARS) < name.length;
}

/** Whether property_name_chars_strict reports a property of this name (the same tests as its body). */
function badPropertyNameStrict(name: string): boolean {
  let n = strspn(name, PROPNODECHARSSTRICT);
  if (n === name.length || name === 'device_type') return false;
  if (name[n] === '#' && (n === 0 || name[n - 1] === ',')) {
    name = name.slice(n + 1);
    n = strspn(name, PROPNODECHARSSTRICT);
  }
  return n < name.length;
}

function propertyNameChars(ctx: DtcCheckContext, node: Node): void {
  const passed = passedNames(ctx);
  for (const prop of liveProps(node)) {
    if (passed.has(prop.name)) continue;
    const n = strspn(prop.name, PROPCHARS);
    if (n < prop.name.length) ctx.failProp(node, prop, `Bad character '${prop.name[n]}' in property name`);
    else passed.add(prop.name);
  }
}

function propertyNameCharsStrict(ctx: DtcCheckContext, node: Node): void {
  const passed = passedNames(ctx);
  for (const prop of liveProps(node)) {
    let name = prop.name;
    if (passed.has(name)) continue;
    let n = strspn(name, PROPNODECHARSSTRICT);
    if (n === name.length || name === 'device_type') {
      passed.add(name);
      continue;
    }
    // '#' may start a name, or follow the vendor prefix's comma
    if (name[n] === '#' && (n === 0 || name[n - 1] === ',')) {
      name = name.slice(n + 1);
      n = strspn(name, PROPNODECHARSSTRICT);
    }
    if (n < name.length) ctx.failProp(node, prop, `Character '${name[n]}' not recommended in property name`);
  }
}

function describeLabelOwner(node: Node, prop: Property | undefined, mark: Marker | undefined): string {
  return `${mark ? 'value of ' : ''}${prop ? `'${prop.name}' in ` : ''}${fullPath(node)}`;
}

function checkOneLabel(ctx: DtcCheckContext, label: string, node: Node, prop: Property | undefined, mark: Marker | undefined): void {
  let otherNode: Node | undefined = ctx.lookup.nodeByLabel(label);
  let otherProp: Property | undefined;
  let otherMark: Marker | undefined;
  if (!otherNode) {
    const hit = ctx.lookup.propertyByLabel(label);
    if (hit) ({ node: otherNode, prop: otherProp } = hit);
  }
  if (!otherNode) {
    const hit = ctx.lookup.markerByLabel(label);
    if (hit) ({ node: otherNode, prop: otherProp, marker: otherMark } = hit);
  }
  if (!otherNode) return;
  if (otherNode !== node || otherProp !== prop || otherMark !== mark) {
    ctx.fail(
      node,
      `Duplicate label '${label}' on ${describeLabelOwner(node, prop, mark)} and ${describeLabelOwner(otherNode, otherProp, otherMark)}`,
    );
  }
}

function duplicateLabel(ctx: DtcCheckContext, node: Node): void {
  // A node label's first owner (node labels are searched first) is this node unless the name is on an earlier node too.
  if (node.hasLabels && ctx.lookup.nodeLabelsRepeat()) {
    for (const l of node.labels) if (!l.deleted) checkOneLabel(ctx, l.name, node, undefined, undefined);
  }
  const props = node.properties;
  for (let i = 0; i < props.length; i++) {
    const prop = props[i]!;
    if (prop.deleted) continue;
    if (prop.hasLabels) {
      const labels = prop.labels;
      for (let k = 0; k < labels.length; k++) if (!labels[k]!.deleted) checkOneLabel(ctx, labels[k]!.name, node, prop, undefined);
    }
    const markers = prop.value.markers;
    for (let k = 0; k < markers.length; k++) {
      const m = markers[k]!;
      if (m.type === 'label' && m.ref !== undefined) checkOneLabel(ctx, m.ref, node, prop, m);
    }
  }
}

/** dtc drops a correct `name` property (it is implied) and rejects a wrong one. */
function nameProperties(ctx: DtcCheckContext, node: Node): void {
  // dtc scans the raw list here, deleted entries included
  const idx = node.properties.findIndex((p) => p.name === 'name');
  if (idx < 0) return;
  const prop = node.properties[idx]!;
  const base = node.baseName;
  const b = prop.bytes;
  let same = b.length === base.length + 1;
  for (let i = 0; same && i < base.length; i++) if (b[i] !== base.charCodeAt(i)) same = false;
  if (!same) {
    ctx.fail(node, `"name" property is incorrect ("${cString(b)}" instead of base node name)`);
  } else {
    node.properties.splice(idx, 1);
  }
}

/**
 * dtc looks each `-names` property up by name again, so a repeated name
 * checks its first live property twice. The first of a name is found among
 * the `-names` properties already seen (a repeat ends in `-names` too)
 * instead of a second scan of the whole list.
 */
function namesIsStringList(ctx: DtcCheckContext, node: Node): void {
  const props = node.properties;
  let seen: Property[] | undefined;
  for (let i = 0; i < props.length; i++) {
    const prop = props[i]!;
    if (prop.deleted || !prop.name.endsWith('-names')) continue;
    let first = prop;
    if (seen === undefined) seen = [prop];
    else {
      const same = seen.find((p) => p.name === prop.name);
      if (same) first = same;
      else seen.push(prop);
    }
    checkPropIsStringList(ctx, node, first);
  }
}

function aliasPaths(ctx: DtcCheckContext, node: Node): void {
  if (node.name !== 'aliases') return;
  for (const prop of liveProps(node)) {
    if (prop.name === 'phandle' || prop.name === 'linux,phandle') continue;
    if (prop.value.length === 0 || !ctx.lookup.nodeByPath(cString(prop.bytes))) {
      ctx.failProp(node, prop, `aliases property is not a valid node (${cString(prop.bytes)})`);
      continue;
    }
    if (strspn(prop.name, ALIASCHARS) !== prop.name.length) {
      ctx.fail(node, "aliases property name must include only lowercase and '-'");
    }
  }
}

function obsoleteChosenInterruptController(ctx: DtcCheckContext, node: Node): void {
  if (node !== ctx.tree.root) return;
  const chosen = ctx.lookup.nodeByPath('/chosen');
  const prop = chosen?.getProperty('interrupt-controller');
  if (prop) ctx.failProp(node, prop, '/chosen has obsolete "interrupt-controller" property');
}

function chosenNodeIsRoot(ctx: DtcCheckContext, node: Node): void {
  if (node.name === 'chosen' && node.parent !== ctx.tree.root) ctx.fail(node, 'chosen node must be at root node');
}

function chosenNodeBootargs(ctx: DtcCheckContext, node: Node): void {
  if (node.name !== 'chosen') return;
  if (node.getProperty('bootargs')) checkIsString(ctx, node, 'bootargs');
}

function chosenNodeStdoutPath(ctx: DtcCheckContext, node: Node): void {
  if (node.name !== 'chosen') return;
  let prop = node.getProperty('stdout-path');
  if (!prop) {
    prop = node.getProperty('linux,stdout-path');
    if (!prop) return;
    ctx.failProp(node, prop, "Use 'stdout-path' instead");
  }
  checkIsString(ctx, node, prop.name);
}

/** Sibling count × property count would be quadratic for wide nodes, so look names up in a set per parent. */
function nodeNameVsPropertyNameIndexed(ctx: DtcCheckContext, node: Node): void {
  const parent = node.parent;
  if (!parent) return;
  // a short property list is scanned directly: cheaper than a set, and still linear overall
  if (parent.properties.length <= PAIR_SCAN_LIMIT) {
    nodeNameVsPropertyName(ctx, node);
    return;
  }
  let names = ctx.scratch.get(parent) as Set<string> | undefined;
  if (!names) {
    names = new Set(liveProps(parent).map((p) => p.name));
    ctx.scratch.set(parent, names);
  }
  if (names.has(node.name)) nodeNameVsPropertyName(ctx, node);
}

export function alwaysFail(ctx: DtcCheckContext, node: Node): void {
  ctx.fail(node, 'always_fail check');
}

export const structureChecks = {
  duplicate_node_names: visiting({ kind: 'siblings' }, spec('duplicate_node_names', 'error', duplicateNodeNames)),
  duplicate_property_names: visiting({ kind: 'duplicatePropertyName' }, spec('duplicate_property_names', 'error', duplicatePropertyNames)),
  node_name_chars: spec('node_name_chars', 'error', nodeNameChars),
  node_name_chars_strict: spec('node_name_chars_strict', 'off', nodeNameCharsStrict),
  node_name_format: spec('node_name_format', 'error', nodeNameFormat, 'node_name_chars'),
  node_name_vs_property_name: spec('node_name_vs_property_name', 'warning', nodeNameVsPropertyNameIndexed, 'node_name_chars'),
  unit_address_vs_reg: spec('unit_address_vs_reg', 'warning', unitAddressVsReg),
  property_name_chars: visiting({ kind: 'propertyName', test: badPropertyName }, spec('property_name_chars', 'error', propertyNameChars)),
  property_name_chars_strict: visiting(
    { kind: 'propertyName', test: badPropertyNameStrict },
    spec('property_name_chars_strict', 'off', propertyNameCharsStrict),
  ),
  duplicate_label: visiting({ kind: 'label' }, spec('duplicate_label', 'error', duplicateLabel)),
  name_is_string: propertySpec('name_is_string', 'error', 'name', (ctx, node) => checkIsString(ctx, node, 'name')),
  // the body scans the raw property list, deleted entries included
  name_properties: visiting({ kind: 'property', names: ['name'], deletedToo: true }, spec('name_properties', 'error', nameProperties, 'name_is_string')),
  names_is_string_list: visiting({ kind: 'propertyName', test: (name) => name.endsWith('-names') }, spec('names_is_string_list', 'warning', namesIsStringList)),
  alias_paths: visiting({ kind: 'nodeName', name: 'aliases' }, spec('alias_paths', 'warning', aliasPaths)),
  obsolete_chosen_interrupt_controller: visiting(
    { kind: 'root' },
    spec('obsolete_chosen_interrupt_controller', 'warning', obsoleteChosenInterruptController),
  ),
  chosen_node_is_root: visiting({ kind: 'nodeName', name: 'chosen' }, spec('chosen_node_is_root', 'warning', chosenNodeIsRoot)),
  chosen_node_bootargs: visiting({ kind: 'nodeName', name: 'chosen' }, spec('chosen_node_bootargs', 'warning', chosenNodeBootargs)),
  chosen_node_stdout_path: visiting({ kind: 'nodeName', name: 'chosen' }, spec('chosen_node_stdout_path', 'warning', chosenNodeStdoutPath)),
};
