/** Readers with an onProblem sink report every independent error; the CLI prints them all and exits 1. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readBootConfig } from '../../src/bindings/boot-config.js';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { BootConfigError } from '../../src/model/errors.js';
import { cliPath } from '../support/paths.js';
import { inTempDir } from '../support/temp-dir.js';

// Three independent errors: capabilities outside the mask in domU1 and domU2, a module reg shorter than an entry in domU3.
const DTS = `/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	chosen {
		#address-cells = <2>;
		#size-cells = <2>;
		domU1 {
			compatible = "xen,domain";
			#address-cells = <2>;
			#size-cells = <2>;
			memory = <0x0 0x20000>;
			cpus = <1>;
			capabilities = <0x10>;
		};
		domU2 {
			compatible = "xen,domain";
			#address-cells = <2>;
			#size-cells = <2>;
			memory = <0x0 0x20000>;
			cpus = <1>;
			capabilities = <0x20>;
		};
		domU3 {
			compatible = "xen,domain";
			#address-cells = <2>;
			#size-cells = <2>;
			memory = <0x0 0x20000>;
			cpus = <1>;
			module@0 {
				compatible = "multiboot,kernel", "multiboot,module";
				reg = <0x0 0x43000000>;
			};
		};
	};
};
`;

test('without a sink the reader throws the first error; with one it reports all three and goes on', () => {
  const tree = () => parseDts(DTS, { file: 'three.dts' });
  assert.throws(() => readBootConfig(tree(), { file: 'three.dts' }), (e: unknown) => e instanceof BootConfigError && e.code === 'CAPS_INVALID' && e.path === '/chosen/domU1:capabilities');
  const problems: BootConfigError[] = [];
  const model = readBootConfig(tree(), { file: 'three.dts', onProblem: (e) => problems.push(e) });
  assert.deepEqual(problems.map((p) => [p.code, p.path]), [
    ['CAPS_INVALID', '/chosen/domU1:capabilities'],
    ['CAPS_INVALID', '/chosen/domU2:capabilities'],
    ['MODULE_REG_SHORT', '/chosen/domU3/module@0:reg'],
  ]);
  // A bad domain property loses the domain; a bad module loses that module only (its siblings are still read).
  assert.deepEqual(model.domains.map((d) => d.name), ['domU3'], 'the failed domains are left out');
  assert.ok(!model.domains[0]!.modules.some((m) => m.name === 'module@0'), 'the bad module is left out');
});

test('hyperlaunch show prints all three errors, compiler style and as JSON, and exits 1', () => {
  inTempDir('hl-three-', (dir) => {
    const file = join(dir, 'three.dts');
    writeFileSync(file, DTS);
    const text = spawnSync(process.execPath, [cliPath, 'show', file], { encoding: 'utf8' });
    assert.equal(text.status, 1, text.stderr);
    const heads = text.stderr.split('\n').filter((l) => / error\[/.test(l));
    assert.deepEqual(heads.map((l) => l.replace(/^.*three\.dts:(\d+:\d+): error\[(\w+)\].*$/, '$1 $2')), ['14:4 CAPS_INVALID', '22:4 CAPS_INVALID', '32:5 MODULE_REG_SHORT']);
    const json = spawnSync(process.execPath, [cliPath, 'show', '--json', file], { encoding: 'utf8' });
    assert.equal(json.status, 1);
    const objs = json.stderr.trim().split('\n').map((l) => JSON.parse(l) as { code: string; severity: string });
    // dtc's own warnings about the short reg come first; the three errors follow.
    assert.deepEqual(objs.filter((o) => o.severity === 'error').map((o) => o.code), ['CAPS_INVALID', 'CAPS_INVALID', 'MODULE_REG_SHORT']);
  });
});

test('hyperlaunch check reports all three reader errors as findings, in the text and in SARIF, and exits 1', () => {
  inTempDir('hl-three-', (dir) => {
    const file = join(dir, 'three.dts');
    writeFileSync(file, DTS);
    const text = spawnSync(process.execPath, [cliPath, 'check', file], { encoding: 'utf8' });
    assert.equal(text.status, 1, text.stderr);
    const heads = text.stderr.split('\n').filter((l) => / error\[/.test(l)).map((l) => l.replace(/^.*three\.dts:(\d+:\d+): error\[([\w-]+)\].*$/, '$1 $2'));
    assert.equal(heads.length, 3, text.stderr);
    assert.deepEqual(heads.map((h) => h.split(' ')[0]), ['14:4', '22:4', '32:5']);
    assert.match(text.stderr, /three\.dts: 3 errors, \d+ warnings?\n$/);
    const sarif = spawnSync(process.execPath, [cliPath, 'check', '--sarif', file], { encoding: 'utf8' });
    assert.equal(sarif.status, 1);
    const results = (JSON.parse(sarif.stdout) as { runs: [{ results: { level: string; locations: [{ physicalLocation: { region: { startLine: number } } }] }[] }] }).runs[0].results;
    assert.deepEqual(results.filter((r) => r.level === 'error').map((r) => r.locations[0].physicalLocation.region.startLine), [14, 22, 32]);
  });
});

test('hyperlaunch build -c prints every bad line of the config, each at file:line:col, and writes nothing', () => {
  inTempDir('hl-three-', (dir) => {
    writeFileSync(join(dir, 'bad'), 'XEN="xen"\nDOM0_KERNEL=$(touch pwned)\nMEMORY_START=0x0; reboot\nDOMU_KERNEL[5000]="k"\nDEVICE_TREE=`id`\n');
    const r = spawnSync(process.execPath, [cliPath, 'build', '-c', 'bad', '-d', '.', '-t', 'tftp'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const heads = r.stderr.split('\n').filter((l) => / error\[/.test(l)).map((l) => l.replace(/: error\[(\w+)\].*$/, ' $1'));
    assert.deepEqual(heads, ['bad:2:13 IB_UNSUPPORTED_SHELL', 'bad:3:17 IB_UNSUPPORTED_SHELL', 'bad:5:13 IB_UNSUPPORTED_SHELL', 'bad:DOMU_KERNEL[5000] IB_INDEX']);
    assert.equal(spawnSync('ls', [dir], { encoding: 'utf8' }).stdout, 'bad\n');
  });
});
