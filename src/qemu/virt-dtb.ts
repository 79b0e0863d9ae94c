/**
 * QEMU virt's own host DTB (`-machine dumpdtb=`), made fit for Xen:
 * - the PL061 GPIO is disabled: dom0 Linux 6.1 takes a synchronous external
 *   abort probing it under Xen (Xen's CI does the same);
 * - /chosen rng-seed and kaslr-seed are dropped: they are random per run,
 *   and the same configuration must give the same bytes;
 * - /aliases gets `serial0` = the console UART: QEMU 7.2 writes no aliases,
 *   and Xen's default `dtuart=serial0` (ImageBuilder's XEN_CMD) then finds no
 *   UART and the serial log stays silent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PropertyValue } from '../fdt/tree/data.js';
import { readDtb } from '../fdt/dtb/read.js';
import { type DeviceTree, Node, Property, getNodeByPath, walkNodes } from '../fdt/tree/livetree.js';
import { QemuError } from './errors.js';
import { DEFAULT_MACHINE, QEMU_BINARY, type VirtMachine, machineArgs } from './machine.js';

/** Run QEMU only to write its generated DTB. */
export function dumpVirtDtb(machine: VirtMachine = DEFAULT_MACHINE, qemu = QEMU_BINARY): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'hl-virt-'));
  try {
    const file = join(dir, 'virt.dtb');
    const r = spawnSync(qemu, [...machineArgs(machine, [`dumpdtb=${file}`]), '-nodefaults'], { encoding: 'utf8', timeout: 60_000 });
    if (r.error) {
      const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new QemuError(missing ? 'QEMU_MISSING' : 'QEMU_FAILED', missing ? `${qemu} is not installed` : `${qemu}: ${r.error.message}`, {
        path: qemu,
        hint: missing ? 'install it: apt-get install qemu-system-arm' : undefined,
      });
    }
    if (r.status !== 0) throw new QemuError('QEMU_FAILED', `${qemu} could not dump its DTB: ${r.stderr.trim()}`, { path: qemu });
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function setProperty(node: Node, name: string, value: PropertyValue): void {
  const p = node.getProperty(name);
  if (p) p.value = value;
  else node.addProperty(new Property(name, value));
}

function deleteProperty(node: Node | undefined, name: string): void {
  const p = node?.getProperty(name);
  if (p) p.deleted = true;
}

function childOf(parent: Node, name: string): Node {
  return parent.getChild(name) ?? parent.addChild(new Node(name));
}

/** The UART behind /chosen/stdout-path, else the first PL011. */
export function consoleUartPath(tree: DeviceTree): string | undefined {
  const stdout = getNodeByPath(tree.root, '/chosen')?.getProperty('stdout-path');
  if (stdout) {
    const path = new TextDecoder().decode(stdout.bytes).replace(/\0.*$/s, '').split(':')[0]!;
    if (path.startsWith('/') && getNodeByPath(tree.root, path)) return path;
  }
  for (const n of walkNodes(tree.root)) {
    const compat = n.getProperty('compatible');
    if (compat && new TextDecoder().decode(compat.bytes).split('\0').includes('arm,pl011')) return n.path;
  }
  return undefined;
}

/** The fixes of the header comment, in place. */
export function prepareVirtTree(tree: DeviceTree): DeviceTree {
  for (const n of walkNodes(tree.root)) {
    if (n.baseName === 'pl061') setProperty(n, 'status', PropertyValue.fromString('disabled'));
  }
  const chosen = childOf(tree.root, 'chosen');
  deleteProperty(chosen, 'rng-seed');
  deleteProperty(chosen, 'kaslr-seed');
  const uart = consoleUartPath(tree);
  if (uart) {
    const aliases = childOf(tree.root, 'aliases');
    if (!aliases.getProperty('serial0')) setProperty(aliases, 'serial0', PropertyValue.fromString(uart));
  }
  return tree;
}

/** virt's DTB for `machine`, prepared for Xen. */
export function virtHostTree(machine: VirtMachine = DEFAULT_MACHINE, qemu = QEMU_BINARY): DeviceTree {
  return prepareVirtTree(readDtb(dumpVirtDtb(machine, qemu)));
}
