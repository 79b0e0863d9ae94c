/**
 * `hyperlaunch doctor`: print what src/doctor found, one item per line with
 * its version, and under each unusable item the command that fixes it.
 */
import type { DoctorItem, DoctorReport } from '../doctor/item.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { printUsageError } from './report.js';

const SPECS: OptionSpec[] = [
  { long: 'json', value: false, key: 'json' },
  { long: 'root', value: true, key: 'root' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const DOCTOR_USAGE = `usage: hyperlaunch doctor [--json] [--root DIR]
Lists every external tool and file hyperlaunch and its tests can use (dtc, mkimage,
QEMU, U-Boot, ...): found or not, its version, what it enables, and for each
missing one the command that installs it. Each QEMU is started once, paused and
without a guest, to prove it runs. Commands are looked up on PATH.
  --json       one JSON object: {"usable": bool, "items": [...]}
  --root DIR   look for files under DIR instead of / (as dpkg --root does)
Exit status: 0 every required item is usable, 1 otherwise, 2 usage error.
`;

const LABEL: Record<DoctorItem['status'], string> = { ok: 'ok', missing: 'MISSING', broken: 'BROKEN' };

function label(item: DoctorItem): string {
  if (item.status === 'ok' || item.required) return LABEL[item.status];
  return item.status; // optional: reported, but not shouted
}

export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.items.map((i) => i.name.length));
  const lines: string[] = [];
  for (const item of report.items) {
    const optional = item.required ? '' : ' (optional)';
    lines.push(`${label(item).padEnd(8)} ${item.name.padEnd(width)}  ${item.version ?? '-'}`);
    lines.push(`${' '.repeat(9)}for: ${item.feature}${optional}`);
    if (item.detail) lines.push(`${' '.repeat(9)}${item.status === 'ok' ? 'note' : 'why'}: ${item.detail}`);
    if (item.status !== 'ok' && item.fix) lines.push(`${' '.repeat(9)}fix: ${item.fix}`);
  }
  const bad = report.items.filter((i) => i.required && i.status !== 'ok');
  lines.push('');
  if (bad.length === 0) lines.push('usable: every required item is present and runs');
  else {
    lines.push(`NOT usable: ${bad.length} required item(s) missing or broken: ${bad.map((i) => i.name).join(', ')}`);
    lines.push('install them all at once (Debian 12): scripts/install-test-deps.sh');
  }
  return `${lines.join('\n')}\n`;
}

export async function doctorCommand(argv: string[]): Promise<number> {
  let json = false;
  let rootDir: string | undefined;
  try {
    const { options, positionals } = getopt(argv, SPECS);
    for (const o of options) {
      if (o.key === 'h') {
        process.stdout.write(DOCTOR_USAGE);
        return 0;
      }
      if (o.key === 'json') json = true;
      if (o.key === 'root') rootDir = o.value;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('doctor', e.message, DOCTOR_USAGE);
    return 2;
  }
  const report = runDoctor({ rootDir });
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
  return report.usable ? 0 : 1;
}
