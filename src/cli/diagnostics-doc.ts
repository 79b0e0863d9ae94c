/**
 * docs/diagnostics.md, generated from the code tables of every layer so the
 * two cannot drift (test/diagnostics/codes.test.ts compares them).
 * Regenerate: `node dist/src/cli/diagnostics-doc.js > docs/diagnostics.md`.
 */
import { fileURLToPath } from 'node:url';
import { IMAGEBUILDER_CODES } from '../bindings/imagebuilder/codes.js';
import { XEN_CONFIG_CODES } from '../check/codes.js';
import type { CodeTable } from '../diagnostics/diagnostic.js';
import { FDT_CODES } from '../fdt/codes.js';
import { BOOT_CONFIG_CODES } from '../model/codes.js';
import { QEMU_CODES } from '../qemu/codes.js';
import { XSM_CODES } from '../artifacts/xsm/codes.js';
import { REPORT_CODES } from '../report/codes.js';

export interface CodeLayer {
  title: string;
  /** Error class that carries these codes. */
  carrier: string;
  table: CodeTable;
}

export const CODE_LAYERS: readonly CodeLayer[] = [
  { title: 'Devicetree library (`src/fdt`)', carrier: '`FdtError`; `USAGE` is also the code of the CLI\'s `UsageError`', table: FDT_CODES },
  { title: 'Boot configuration (`src/bindings`, `src/model`)', carrier: '`BootConfigError`, `BootConfigWarning`, `Loss`', table: BOOT_CONFIG_CODES },
  { title: 'ImageBuilder configs and builds (`src/bindings/imagebuilder`, `src/artifacts`)', carrier: '`ImageBuilderError` (a subclass of `FdtError`)', table: IMAGEBUILDER_CODES },
  { title: 'Xen build descriptions (`src/check`: `--xen`, `--xen-config`, `--xen-image`)', carrier: '`XenConfigError`', table: XEN_CONFIG_CODES },
  { title: 'XSM/FLASK policy generator (`src/artifacts/xsm`, `hyperlaunch xsm`)', carrier: '`XsmError`', table: XSM_CODES },
  { title: 'Report page (`src/report`, `hyperlaunch report`)', carrier: '`ReportError`', table: REPORT_CODES },
  { title: 'QEMU harness (`src/qemu`)', carrier: '`QemuError`', table: QEMU_CODES },
];

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function diagnosticsMarkdown(layers: readonly CodeLayer[] = CODE_LAYERS): string {
  const total = layers.reduce((n, l) => n + Object.keys(l.table).length, 0);
  const out = [
    '# Diagnostic codes',
    '',
    '<!-- Generated from the code tables by `node dist/src/cli/diagnostics-doc.js > docs/diagnostics.md`; test/diagnostics/codes.test.ts fails when this file is stale. -->',
    '',
    'Every problem hyperlaunch reports has a stable code. Errors the library throws all extend',
    '`HyperlaunchError` (one `instanceof` catches any of them) and give the common `Diagnostic`',
    'shape with `toDiagnostic()`. Check findings use the rule ids of [rules.md](rules.md) as their',
    'codes, and dtc checks their dtc check names (see [devicetree.md](devicetree.md)).',
    '',
    `${total} codes: ${layers.map((l) => `${Object.keys(l.table).length} ${l.title.replace(/ \(.*$/, '').toLowerCase()}`).join(', ')}.`,
    '',
  ];
  for (const l of layers) {
    out.push(`## ${l.title}`, '', `Raised as ${l.carrier}.`, '', '| code | severity | meaning | default hint |', '|---|---|---|---|');
    for (const [code, info] of Object.entries(l.table)) out.push(`| \`${code}\` | ${info.severity} | ${cell(info.meaning)} | ${cell(info.hint ?? '')} |`);
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.stdout.write(diagnosticsMarkdown());
