#!/usr/bin/env node
// `npm run demo`: the main job on a bundled example. Shows the boot model of
// examples/qemu-dom0less.dts, converts it to Hyperlaunch, draws its report
// page (in the temp dir: the checkout stays clean), and — when QEMU is
// installed — boots it on Debian's Xen 4.17 and reports each domain.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const example = 'examples/qemu-dom0less.dts';
const cli = (...args) => spawnSync(process.execPath, ['bin/hyperlaunch.js', ...args], { stdio: 'inherit' }).status ?? 1;
const say = (s) => process.stdout.write(`\n== ${s}\n\n`);

say(`hyperlaunch show ${example}`);
let status = cli('show', example);
if (status !== 0) process.exit(status);

say(`hyperlaunch convert ${example} --to hyperlaunch`);
status = cli('convert', example, '--to', 'hyperlaunch');
if (status !== 0) process.exit(status);

const page = join(tmpdir(), 'hyperlaunch-demo', 'report.html');
mkdirSync(join(tmpdir(), 'hyperlaunch-demo'), { recursive: true });
say(`hyperlaunch report ${example} -o ${page}`);
status = cli('report', example, '-o', page);
if (status !== 0) process.exit(status);
process.stdout.write(`open ${page} in a browser: domains and domids, memory map, CPUs, channels, findings\n`);

const qemu = spawnSync('qemu-system-aarch64', ['--version'], { stdio: 'ignore' });
if (qemu.error) {
  say('boot under QEMU: skipped, qemu-system-aarch64 is not installed');
  process.stdout.write(
    'To boot the example on the real Xen 4.17, see what this machine lacks and how to install it:\n\n' +
      '    node bin/hyperlaunch.js doctor\n\n' +
      'or install everything the tests use at once (Debian 12; as root, or it asks sudo):\n\n' +
      '    scripts/install-test-deps.sh\n\n' +
      `then run: node bin/hyperlaunch.js qemu ${example}\n`,
  );
  process.exit(0);
}

say(`hyperlaunch qemu ${example}   (Debian's Xen 4.17, Linux and busybox; the first run downloads them)`);
process.exit(cli('qemu', example));
