/**
 * The /chosen edits ImageBuilder makes, as data: one list that is printed
 * as `fdt mknod`/`fdt set` script lines, or applied to a copy of the host
 * DTB the way `fdtput -p` does (FDTEDIT, FIT).
 */
export type DtValue =
  /** dt_set hex: 32-bit cells, printed as written (`<0x0 0xE00000 0x0 0x1312D00 >`). */
  | { type: 'hex'; text: string; cells: bigint[] }
  /** dt_set int: decimal cells (`memory <0 262144>`). */
  | { type: 'int'; text: string; cells: bigint[] }
  | { type: 'str'; value: string }
  | { type: 'str_a'; values: string[] }
  | { type: 'bool' };

export type DtEdit =
  | { op: 'mknod'; parent: string; name: string }
  | { op: 'set'; path: string; prop: string; value: DtValue };

export function mknod(parent: string, name: string): DtEdit {
  return { op: 'mknod', parent, name };
}

export function setStr(path: string, prop: string, value: string): DtEdit {
  return { op: 'set', path, prop, value: { type: 'str', value } };
}

export function setStrings(path: string, prop: string, values: string[]): DtEdit {
  return { op: 'set', path, prop, value: { type: 'str_a', values } };
}

export function setBool(path: string, prop: string): DtEdit {
  return { op: 'set', path, prop, value: { type: 'bool' } };
}

/** `0x%X` per cell with its trailing space, as split_addr_size prints. */
export function hexUpper(v: bigint): string {
  return `0x${v.toString(16).toUpperCase()}`;
}

export function setHex(path: string, prop: string, cells: bigint[], text = cells.map(hexUpper).join(' ')): DtEdit {
  return { op: 'set', path, prop, value: { type: 'hex', text, cells } };
}

export function setInt(path: string, prop: string, cells: bigint[]): DtEdit {
  return { op: 'set', path, prop, value: { type: 'int', text: cells.map(String).join(' '), cells } };
}

/** `reg <0x0 ADDR 0x0 SIZE >`: 64-bit address and size split into halves. */
export function setReg(path: string, address: bigint, size: bigint): DtEdit {
  const cells = [address >> 32n, address & 0xffffffffn, size >> 32n, size & 0xffffffffn];
  return setHex(path, 'reg', cells, `${cells.map((c) => `${hexUpper(c)} `).join('')}`);
}

function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** One `fdt ...` line, byte for byte as dt_mknode/dt_set print it. */
export function scriptLine(e: DtEdit): string {
  if (e.op === 'mknod') return `fdt mknod ${e.parent} ${e.name}`;
  const prop = e.prop.startsWith('#') ? `\\${e.prop}` : e.prop;
  const head = `fdt set ${e.path} ${prop}`;
  const v = e.value;
  switch (v.type) {
    case 'hex':
    case 'int':
      return `${head} <${v.text}>`;
    case 'str':
      return `${head} "${v.value}"`;
    case 'str_a':
      // dt_set str_a prints two spaces then the quoted list; an empty list leaves one
      return v.values.length === 0 ? `${head} ` : `${head}  ${v.values.map((s) => `"${s}"`).join(' ')}`;
    case 'bool':
      return head;
  }
}

export { childPath };

/** The `fdtput` arguments uboot-script-gen runs for one edit on FDTEDIT (FIT mode). */
export function fdtputArguments(file: string, e: DtEdit): string[] {
  if (e.op === 'mknod') return ['-p', '-c', file, childPath(e.parent, e.name)];
  const v = e.value;
  switch (v.type) {
    case 'hex': return ['-p', '-t', 'x', file, e.path, e.prop, ...v.cells.map((c) => c.toString(16))];
    case 'int': return ['-p', '-t', 'i', file, e.path, e.prop, ...v.cells.map(String)];
    case 'str': return ['-p', '-t', 's', file, e.path, e.prop, v.value];
    case 'str_a': return ['-p', '-t', 's', file, e.path, e.prop, ...v.values];
    case 'bool': return ['-p', file, e.path, e.prop];
  }
}
