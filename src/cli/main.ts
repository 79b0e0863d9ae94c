/** The `hyperlaunch` command: parse arguments, call the library, print. */
import { buildCommand } from './build-command.js';
import { checkCommand } from './check-command.js';
import { convertCommand } from './convert-command.js';
import { doctorCommand } from './doctor-command.js';
import { dtcCommand } from './dtc-command.js';
import { fdtoverlayCommand } from './fdtoverlay-command.js';
import { qemuCommand } from './qemu-command.js';
import { reportCommand } from './report-command.js';
import { showCommand } from './show-command.js';
import { formatCommandMessage } from '../diagnostics/print.js';
import { printUsageError } from './report.js';
import { summaryCommand } from './summary-command.js';
import { xsmCommand } from './xsm-command.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; about: string }> = {
  build: { run: buildCommand, about: 'build U-Boot script, boot.scr, FIT from an ImageBuilder config (never executed)' },
  dtc: { run: dtcCommand, about: 'compile/decompile devicetrees exactly as dtc 1.6.1 does' },
  fdtoverlay: { run: fdtoverlayCommand, about: 'apply overlays to a base blob exactly as fdtoverlay does' },
  show: { run: showCommand, about: 'print the Xen boot configuration (dom0less or Hyperlaunch) as a table or JSON' },
  convert: { run: convertCommand, about: 'rewrite a boot configuration in the other interface (dom0less <-> Hyperlaunch)' },
  check: { run: checkCommand, about: 'find what makes Xen panic or ignore part of a boot configuration, before booting' },
  qemu: { run: qemuCommand, about: 'boot a configuration under QEMU with Debian\'s Xen 4.17 and report which domains came up' },
  report: { run: reportCommand, about: 'write one HTML page of a boot configuration: domains, memory map, CPUs, devices, channels, findings' },
  summary: { run: summaryCommand, about: 'compile a DTS (or read a DTB) and describe the tree' },
  xsm: { run: xsmCommand, about: 'write the FLASK policy (source and binary) of a boot-time system from its roles and links' },
  doctor: { run: doctorCommand, about: 'list the external tools and files hyperlaunch can use, their versions, and how to install what is missing' },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.about}`);
  return `usage: hyperlaunch <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'hyperlaunch <command> --help' for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd) {
    if (name) printUsageError('', `unknown command '${name}'`, usage());
    else process.stderr.write(usage());
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    // A bug, not a user error: say so plainly, with the trace for the report.
    process.stderr.write(formatCommandMessage('', `internal error (please report): ${(e as Error).stack ?? String(e)}`));
    return 70;
  }
}
