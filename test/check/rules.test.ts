/**
 * Every rule has a fixture that triggers it (and only the rules listed in
 * expectations.json, written by hand) and a near-identical `.ok.dts` that
 * passes clean. Rules that no fixture covers are listed and must be tested
 * elsewhere in this file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkModel, checkSource, readPartialInput } from '../../src/check/engine.js';
import type { PartialInput } from '../../src/check/context.js';
import { RULES } from '../../src/check/rules/index.js';
import { type XenBuild, parseXenBuild } from '../../src/check/target.js';
import { parseKconfig, xenBuildFromKconfig } from '../../src/check/xen-kconfig.js';
import { type X86CheckFacts, parseX86Host } from '../../src/check/x86-target.js';
import { binaryPolicyVersion } from '../../src/check/xsm/policy-version.js';
import { writeSyntheticKernel } from './x86-kernel-images.js';
import { newDomain, newModule } from '../../src/model/index.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { newHypervisor } from '../../src/model/hypervisor.js';
import { repoRoot } from '../support/paths.js';

const dir = join(repoRoot, 'test', 'check', 'fixtures');
interface X86Expectation {
  /** `--x86-host` spec. */
  host?: string;
  /** dom0's kernel: `synthetic:NAME` (x86-kernel-images.ts); `okKernel` for the `.ok.dts` when it differs. */
  kernel?: string;
  okKernel?: string;
  /** dom0's ramdisk: a file of this many bytes. */
  ramdiskBytes?: number;
}

const expectations = JSON.parse(readFileSync(join(dir, 'expectations.json'), 'utf8')) as Record<string, { xen?: string; xenConfig?: string; x86?: X86Expectation; xsmPolicy?: string; okXsmPolicy?: string; expect: string[] }>;

/** The target of a fixture: a release (`xen`), or a build's .config beside the fixtures (`xenConfig`). */
function targetOf(e: { xen?: string; xenConfig?: string }): XenBuild | undefined {
  if (e.xenConfig) return xenBuildFromKconfig(parseKconfig(readFileSync(join(dir, e.xenConfig), 'utf8'), e.xenConfig), { file: e.xenConfig });
  return e.xen ? parseXenBuild(e.xen) : undefined;
}

const kernelDir = mkdtempSync(join(tmpdir(), 'x86-kernels-'));
after(() => rmSync(kernelDir, { recursive: true, force: true }));

function writeRamdisk(bytes: number): string {
  const file = join(kernelDir, `ramdisk-${bytes}.img`);
  writeFileSync(file, Buffer.alloc(bytes));
  return file;
}

/** The x86 facts of a fixture: its host, and dom0's kernel written out from the synthetic images. */
function x86Facts(x: X86Expectation | undefined, ok: boolean): X86CheckFacts | undefined {
  if (!x) return undefined;
  const kernel = (ok ? x.okKernel : undefined) ?? x.kernel;
  return {
    host: x.host === undefined ? undefined : parseX86Host(x.host),
    kernels: kernel === undefined ? undefined : new Map([['dom0', writeSyntheticKernel(kernelDir, kernel.replace(/^synthetic:/, ''))]]),
    ramdisks: x.ramdiskBytes === undefined ? undefined : new Map([['dom0', writeRamdisk(x.ramdiskBytes)]]),
  };
}

/** A fixture's `--xsm-policy`: a binary policy's header version, else the source text. */
function xsmPolicyInput(file: string) {
  const bytes = readFileSync(join(dir, file));
  const binaryVersion = binaryPolicyVersion(bytes);
  return binaryVersion === undefined ? { file, source: bytes.toString('utf8') } : { file, binaryVersion };
}

function check(file: string, build?: XenBuild, x86?: X86Expectation, xsmPolicyFile?: string) {
  const path = join(dir, file);
  const partials = new Map<string, PartialInput>();
  const pfile = file.replace(/\.dts$/, '.partial.dts');
  if (existsSync(join(dir, pfile))) {
    const p = readPartialInput(readFileSync(join(dir, pfile)), join(dir, pfile));
    if ('ruleId' in p) return [p];
    partials.set('domU1', p);
  }
  const xsmPolicy = xsmPolicyFile === undefined ? undefined : xsmPolicyInput(xsmPolicyFile);
  return checkSource(readFileSync(path), { file: path, build, partials, x86: x86Facts(x86, file.endsWith('.ok.dts')), xsmPolicy }).findings;
}

for (const [id, e] of Object.entries(expectations)) {
  test(`rule ${id}: the fixture triggers exactly ${e.expect.join(' + ')}`, () => {
    const got = [...new Set(check(`${id}.dts`, targetOf(e), e.x86, e.xsmPolicy).map((f) => f.ruleId))].sort();
    assert.deepEqual(got, [...e.expect].sort());
  });
  test(`rule ${id}: the corrected fixture passes clean`, () => {
    assert.deepEqual(check(`${id}.ok.dts`, targetOf(e), e.x86, e.okXsmPolicy).map((f) => `${f.ruleId}: ${f.message}`), []);
  });
}

test('findings from DTS carry file:line:col of the offending property', () => {
  const [f] = check('caps-mask.dts');
  assert.equal(f?.ruleId, 'caps-mask');
  assert.ok(f?.position, 'has a position');
  const line = readFileSync(join(dir, 'caps-mask.dts'), 'utf8').split('\n')[f!.position!.firstLine - 1]!;
  assert.match(line.slice(f!.position!.firstColumn - 1), /^capabilities = <0x8>/);
});

function model(domains: BootModel['domains']): BootModel {
  return { interface: 'dom0less', target: {}, hypervisor: newHypervisor(), domains, cpupools: [], hostPassthrough: [] };
}

test('rule domid-exhausted: more domains than domain IDs', () => {
  const dom = (i: number) => newDomain(`d${i}`, { memoryKiB: 1024n, vcpus: 1, modules: [newModule('kernel', { compatible: ['multiboot,kernel', 'multiboot,module'], location: { type: 'range', address: 0x50000000n, size: 0x1000n } })] });
  const many = Array.from({ length: 0x7ff1 }, (_, i) => dom(i));
  const rule = RULES.filter((r) => r.id === 'domid-exhausted');
  assert.deepEqual(checkModel(model(many), { rules: rule }).map((f) => f.ruleId), ['domid-exhausted']);
  assert.deepEqual(checkModel(model(many.slice(1)), { rules: rule }), []);
});

test('rule dom-name-len: 41 characters and up, only when a module of the domain has bootargs (Xen stores the name for the command line only)', () => {
  const kernel = (bootargs?: string) => newModule('kernel', { compatible: ['multiboot,kernel', 'multiboot,module'], bootargs, location: { type: 'range', address: 0x50000000n, size: 0x1000n } });
  const dom = (length: number, bootargs?: string) => newDomain('d'.repeat(length), { memoryKiB: 1024n, vcpus: 1, modules: [kernel(bootargs)] });
  const rule = RULES.filter((r) => r.id === 'dom-name-len');
  const found = (d: ReturnType<typeof dom>) => checkModel(model([d]), { rules: rule }).map((f) => f.ruleId);
  assert.deepEqual(found(dom(41, 'console=ttyAMA0')), ['dom-name-len']);
  assert.deepEqual(found(dom(40, 'console=ttyAMA0')), []);
  assert.deepEqual(found(dom(60)), []);
});

test('a DTB that is not one is an fdt-header finding; a DTS syntax error is config-read', () => {
  const bad = new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 8]);
  assert.deepEqual(checkSource(bad, { file: 'x.dtb' }).findings.map((f) => f.ruleId), ['fdt-header']);
  assert.deepEqual(checkSource(new TextEncoder().encode('/dts-v1/; / { chosen { a = <1>; }'), { file: 'x.dts' }).findings.map((f) => f.ruleId), ['config-read']);
});

test('a tree dtc refuses to compile (a check error) is a config-read error, and the rules still run', () => {
  const ok = readFileSync(join(dir, 'caps-mask.dts'), 'utf8').replace('/ {\n\tchosen {', '/ {\n\tl: n1 { };\n\tl: n2 { };\n\tchosen {');
  const f = checkSource(new TextEncoder().encode(ok), { file: join(dir, 'caps-mask.dts'), includeDirs: [dir] }).findings;
  assert.deepEqual(f.map((x) => x.ruleId).sort(), ['caps-mask', 'config-read']);
  assert.match(f.find((x) => x.ruleId === 'config-read')!.message, /^dtc check duplicate_label: /);
});

test('every rule is covered by a fixture or a test above', () => {
  const covered = new Set([...Object.values(expectations).flatMap((e) => e.expect), 'domid-exhausted', 'fdt-header', 'config-read']);
  // Hyperlaunch-only rules (no released Xen reads Hyperlaunch) and reader notes are covered in test/check/hyperlaunch.test.ts.
  const elsewhere = new Set(['mode-invalid', 'domid-unique', 'domid-range', 'config-note']);
  const missing = RULES.map((r) => r.id).filter((id) => !covered.has(id) && !elsewhere.has(id));
  assert.deepEqual(missing, []);
});

test('rule ids are unique and kebab-case', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
});

test('every examples/*.dts configuration passes clean', () => {
  const ex = join(repoRoot, 'examples');
  const files = readdirSync(ex).filter((f) => f.endsWith('.dts'));
  let checked = 0;
  for (const f of files) {
    const src = readFileSync(join(ex, f));
    const text = src.toString('utf8');
    // Partial device trees (passthrough blobs) and plain boards are not boot configurations.
    if (!/xen,domain|multiboot,module|hypervisor,xen/.test(text) || /^\s*passthrough\s*\{/m.test(text)) {
      // not a missing prerequisite, so no SKIP: the file is simply not what this test checks
      console.log(`examples/${f}: not a boot configuration, left out`);
      continue;
    }
    checked++;
    const first = checkSource(src, { file: join(ex, f), includeDirs: [ex] });
    // A configuration with a partial device tree is checked together with its `<name>-partial.dts`.
    const partialFile = join(ex, f.replace(/\.dts$/, '-partial.dts'));
    const partials = new Map<string, PartialInput>();
    if (existsSync(partialFile)) {
      const p = readPartialInput(readFileSync(partialFile), partialFile, [ex]);
      if ('ruleId' in p) assert.fail(`${partialFile}: ${p.ruleId}: ${p.message}`);
      for (const d of first.model?.domains ?? []) if (d.modules.some((m) => m.kind === 'device-tree')) partials.set(d.name, p);
      assert.ok(partials.size > 0, `${f} has a partial device tree file but no multiboot,device-tree module`);
    }
    const findings = partials.size ? checkSource(src, { file: join(ex, f), includeDirs: [ex], partials }).findings : first.findings;
    assert.deepEqual(findings.map((x) => `${f}: ${x.ruleId}: ${x.message}`), [], f);
  }
  // the examples ship with the repository: finding none is a broken checkout, not a reason to pass
  assert.ok(checked > 0, `no boot configuration among ${files.length} examples/*.dts`);
});

/** The fixture `<base>.dts` with `partial` (DTS text) as domU1's partial device tree, checked for `xen`. */
function withPartial(base: string, partial: string, xen?: string) {
  const p = readPartialInput(new TextEncoder().encode(partial), 'p.dts');
  if ('ruleId' in p) return [p];
  const path = join(dir, `${base}.dts`);
  return checkSource(readFileSync(path), { file: path, build: xen ? parseXenBuild(xen) : undefined, partials: new Map([['domU1', p]]) }).findings;
}

const fixtureText = (f: string) => readFileSync(join(dir, f), 'utf8');

test('partial device tree faults are judged by target: pdt-cells from 4.22, pdt-reg-path from 4.18, the 4.13–4.17 twin before', () => {
  const ids = (fs: { ruleId: string; severity: string }[]) => fs.map((f) => `${f.ruleId}:${f.severity}`).sort();
  const cells = fixtureText('pdt-cells.partial.dts');
  assert.deepEqual(ids(withPartial('pdt-cells', cells, '4.22')), ['pdt-cells:error']);
  assert.deepEqual(ids(withPartial('pdt-cells', cells)), ['pdt-cells:error'], 'no target: the newest release');
  assert.deepEqual(ids(withPartial('pdt-cells', cells, '4.21')), []);
  assert.deepEqual(ids(withPartial('pdt-cells', cells, 'debian-4.17')), []);
  const noPath = fixtureText('pdt-reg-path.ok.partial.dts').replace(/\n\t*xen,path = [^\n]*/, '');
  assert.doesNotMatch(noPath, /xen,path/);
  assert.deepEqual(ids(withPartial('pdt-reg-path', noPath, '4.18')), ['pdt-reg-path:error']);
  assert.deepEqual(ids(withPartial('pdt-reg-path', noPath, 'debian-4.17')), ['pdt-reg-path-skipped:warning']);
  assert.deepEqual(ids(withPartial('pdt-reg-path', noPath, '4.13')), ['pdt-reg-path-skipped:warning']);
  // 4.12 reads no partial device tree at all (newer-than-target says so for the module).
  assert.deepEqual(ids(withPartial('pdt-reg-path', noPath, '4.12')).filter((i) => i.startsWith('pdt-')), []);
  const [skipped] = withPartial('pdt-reg-path', noPath, '4.17');
  assert.match(skipped!.message, /xen,reg but no xen,path; Xen 4\.17 prints "xen,reg or xen,path missing for d<id>" and the domain boots without this device/);
  assert.equal(skipped!.path, '/passthrough/gpio@9030000:xen,reg');
});

test('pdt-phandle: Xen allocates from the largest phandle + 1, so 64999 already fails; every node counts, linux,phandle too', () => {
  const ok = fixtureText('pdt-phandle.ok.partial.dts');
  assert.match(ok, /phandle = <1>;/);
  const at = (extra: string) => withPartial('pdt-phandle', ok.replace('passthrough {', `${extra}\n\tpassthrough {`), '4.22').map((f) => `${f.ruleId} ${f.path}`);
  assert.deepEqual(at('other { phandle = <64998>; };'), []);
  assert.deepEqual(at('other { phandle = <64999>; };'), ['pdt-phandle /other:phandle']);
  assert.deepEqual(at('other { linux,phandle = <65100>; };'), ['pdt-phandle /other:linux,phandle']);
  // One finding, at the largest: Xen looks at the maximum only.
  assert.deepEqual(at('a { phandle = <65001>; };\n\tb { phandle = <65002>; };'), ['pdt-phandle /b:phandle']);
  assert.deepEqual(withPartial('pdt-phandle', ok.replace('passthrough {', 'other { phandle = <64999>; };\n\tpassthrough {'), '4.21'), []);
});

test('a module against /memreserve/ by target: 4.18 ignores the entries, 4.19 drops even a module exactly inside, 4.20 exempts that case', () => {
  const text = fixtureText('mod-in-memreserve.dts');
  const ids = (memreserve: string, xen?: string) => {
    const src = new TextEncoder().encode(text.replace(/^\/memreserve\/ [^;]*;/m, memreserve));
    return checkSource(src, { file: join(dir, 'mod-in-memreserve.dts'), build: xen ? parseXenBuild(xen) : undefined }).findings.map((f) => `${f.ruleId}:${f.severity}`);
  };
  const inside = '/memreserve/ 0x50000000 0x1000000;';
  const across = '/memreserve/ 0x50800000 0x1000000;';
  assert.match(text, /^\/memreserve\/ 0x50000000 0x1000000;/m);
  assert.deepEqual(ids(inside, '4.18'), []);
  assert.deepEqual(ids(inside, '4.19'), ['mod-in-memreserve:warning']);
  assert.deepEqual(ids(inside, '4.20'), []);
  assert.deepEqual(ids(inside), []);
  assert.deepEqual(ids(across, '4.18'), []);
  assert.deepEqual(ids(across, '4.19'), ['mod-overlap-reserved:error']);
  assert.deepEqual(ids(across, '4.20'), ['mod-overlap-reserved:error']);
  assert.deepEqual(ids(across), ['mod-overlap-reserved:error']);
});
