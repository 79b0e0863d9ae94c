/**
 * A Xen build's .config as build facts, an Image's release from its bytes,
 * and how --xen / --xen-config / --xen-image combine. Real inputs where the
 * machine has them: Debian's 4.17 Image and .config (guest cache), the 4.22
 * source build (cache); SKIP: otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseXenBuild } from '../../src/check/target.js';
import { resolveXenBuild } from '../../src/check/xen-build-inputs.js';
import { XenConfigError } from '../../src/check/xen-config-error.js';
import { isArm64Image, xenImageVersion } from '../../src/check/xen-image-version.js';
import { kconfigOn, lostOptions, parseKconfig, xenBuildFromKconfig } from '../../src/check/xen-kconfig.js';
import { fetchGuestBinaries } from '../../src/qemu/guest-packages.js';
import { isQemuError } from '../../src/qemu/errors.js';
import { skipNotice } from '../support/skip.js';
import { xen422Builds } from '../qemu/xen-source-support.js';

const CONFIG_422 = `#
# Automatically generated file; DO NOT EDIT.
# Xen/arm 4.22.0 Configuration
#
CONFIG_ARM_64=y
CONFIG_DOM0LESS_BOOT=y
CONFIG_STATIC_MEMORY=y
# CONFIG_STATIC_SHM is not set
CONFIG_STATIC_EVTCHN=y
CONFIG_SCHED_CREDIT2=y
CONFIG_SCHED_NULL=y
CONFIG_SCHED_DEFAULT="credit2"
CONFIG_EARLY_UART_BASE_ADDRESS=0x9000000
`;

const isCode = (code: string) => (e: unknown): boolean => e instanceof XenConfigError && e.code === code;

test('.config: options, "is not set", header release; schedulers and features as build facts', () => {
  const cfg = parseKconfig(CONFIG_422, 'a.config');
  assert.equal(cfg.release, '4.22.0');
  assert.equal(cfg.arch, 'arm');
  assert.equal(cfg.options.get('STATIC_SHM'), 'n');
  assert.equal(cfg.options.get('SCHED_DEFAULT'), '"credit2"');
  assert.equal(cfg.lines.get('STATIC_MEMORY'), 7);
  assert.equal(kconfigOn(cfg, 'STATIC_MEMORY'), true);
  assert.equal(kconfigOn(cfg, 'STATIC_SHM'), false);
  const b = xenBuildFromKconfig(cfg, { file: '/x/a.config' });
  assert.equal(b.version, '4.22');
  assert.equal(b.label, '4.22.0 (a.config)');
  assert.deepEqual(b.schedulers, ['credit2', 'null']);
  assert.deepEqual([...b.kconfig!].sort(), ['ARM_64', 'DOM0LESS_BOOT', 'SCHED_CREDIT2', 'SCHED_NULL', 'STATIC_EVTCHN', 'STATIC_MEMORY']);
});

test('.config: absent options are off, except DOM0LESS_BOOT / STATIC_EVTCHN of a release that predates them', () => {
  const dom0lessOff = CONFIG_422.replace('CONFIG_DOM0LESS_BOOT=y', '# CONFIG_DOM0LESS_BOOT is not set').replace('CONFIG_STATIC_EVTCHN=y\n', '');
  const off = xenBuildFromKconfig(parseKconfig(dom0lessOff, 'off.config'), { file: 'off.config' });
  assert.equal(off.kconfig!.has('DOM0LESS_BOOT'), false);
  assert.equal(off.kconfig!.has('STATIC_EVTCHN'), false);
  // 4.17 has neither option: dom0less and static event channels are always built.
  const old = xenBuildFromKconfig(parseKconfig('# Xen/arm 4.17.7 Configuration\nCONFIG_ARM_64=y\n', 'old.config'), { file: 'old.config' });
  assert.equal(old.kconfig!.has('DOM0LESS_BOOT'), true);
  assert.equal(old.kconfig!.has('STATIC_EVTCHN'), true);
  assert.equal(old.kconfig!.has('STATIC_MEMORY'), false);
});

test('.config: bad input is a typed error with file:line and a hint', () => {
  assert.throws(() => parseKconfig('CONFIG_A=y\n/dts-v1/;\n', 'x.dts'), (e: unknown) => {
    assert.ok(isCode('KCONFIG_SYNTAX')(e));
    assert.equal((e as XenConfigError).location, 'x.dts:2');
    assert.ok((e as XenConfigError).hint);
    return true;
  });
  assert.throws(() => xenBuildFromKconfig(parseKconfig('CONFIG_ARM_64=y\n', 'f'), { file: 'f' }), isCode('XEN_VERSION_UNKNOWN'));
  assert.equal(xenBuildFromKconfig(parseKconfig('CONFIG_ARM_64=y\n', 'f'), { file: 'f', version: '4.22' }).version, '4.22');
  assert.throws(() => xenBuildFromKconfig(parseKconfig('# Xen/arm 4.22.0 Configuration\nCONFIG_STATIC_MEMORY=y\n', 'frag'), { file: 'frag' }), isCode('KCONFIG_NOT_XEN'));
  assert.throws(() => xenBuildFromKconfig(parseKconfig(CONFIG_422, 'a'), { file: 'a', version: '4.17' }), isCode('XEN_VERSION_MISMATCH'));
});

test('lostOptions: what olddefconfig changed or dropped; an unset option may be absent', () => {
  const fragment = parseKconfig('CONFIG_STATIC_SHM=y\n# CONFIG_DEBUG is not set\nCONFIG_STATIC_MEMORY=y\nCONFIG_RTDS=y\n', 'frag');
  assert.deepEqual(lostOptions(fragment, parseKconfig(CONFIG_422, 'a')), [
    { name: 'STATIC_SHM', wanted: 'y', got: 'n' },
    { name: 'RTDS', wanted: 'y', got: undefined },
  ]);
});

/** Bytes with the arm64 Image magic and the given NUL-delimited strings. */
function fakeImage(...strings: string[]): Uint8Array {
  const head = Buffer.alloc(64);
  head.write('ARM\x64', 56, 'latin1');
  return Buffer.concat([head, Buffer.from(`\0${strings.join('\0')}\0`, 'latin1')]);
}

test('Image release: xen,xen-N.M, the full release when a string carries it; otherwise typed errors', () => {
  assert.deepEqual(xenImageVersion(fakeImage('xen,xen-4.19', 'Xen 4.19.2\n'), 'x'), { version: '4.19', release: '4.19.2' });
  assert.deepEqual(xenImageVersion(fakeImage('xen,xen-4.18'), 'x'), { version: '4.18', release: undefined });
  assert.throws(() => xenImageVersion(fakeImage('nothing here'), 'x'), isCode('XEN_IMAGE_VERSION'));
  assert.throws(() => xenImageVersion(fakeImage('xen,xen-4.18', 'xen,xen-4.19'), 'x'), isCode('XEN_IMAGE_VERSION'));
  assert.throws(() => xenImageVersion(Buffer.from('#!/bin/sh\n'), 'x'), isCode('XEN_IMAGE_FORMAT'));
});

test('resolveXenBuild: --xen, .config and Image must agree; debian-4.17 keeps its facts', () => {
  const image = { bytes: fakeImage('xen,xen-4.22', 'Xen 4.22.0\n'), file: 'xen' };
  const config = { text: CONFIG_422, file: 'xen.config' };
  assert.equal(resolveXenBuild({}), undefined);
  assert.deepEqual(resolveXenBuild({ image }), { version: '4.22', label: '4.22.0' });
  assert.equal(resolveXenBuild({ image, config })!.kconfig!.has('STATIC_MEMORY'), true);
  assert.equal(resolveXenBuild({ xen: '4.22', config })!.version, '4.22');
  assert.deepEqual(resolveXenBuild({ xen: 'debian-4.17' }), parseXenBuild('debian-4.17'));
  assert.throws(() => resolveXenBuild({ xen: '4.17', image }), isCode('XEN_VERSION_MISMATCH'));
  assert.throws(() => resolveXenBuild({ image, config: { text: CONFIG_422.replace('4.22.0', '4.21.1'), file: 'c' } }), isCode('XEN_VERSION_MISMATCH'));
  assert.throws(() => resolveXenBuild({ xen: 'debian-4.17', config }), isCode('XEN_TARGET_CONFLICT'));
  assert.throws(() => resolveXenBuild({ xen: 'four' }), RangeError);
  // An Image without a readable release is fine when --xen names it, an error when nothing does.
  const mute = { bytes: fakeImage('no version'), file: 'mute' };
  assert.equal(resolveXenBuild({ xen: '4.20', image: mute })!.version, '4.20');
  assert.throws(() => resolveXenBuild({ image: mute }), isCode('XEN_IMAGE_VERSION'));
});

test("Debian's 4.17 Image and .config: release read from the bytes, and the .config agrees with the hand-written debian-4.17 facts", (t) => {
  // Downloaded once into the guest cache (as qemu does), so a fresh machine runs this too.
  let guest;
  try {
    guest = fetchGuestBinaries();
  } catch (e) {
    if (!isQemuError(e)) throw e;
    return skipNotice(t, "Debian's 4.17 Image and .config", `Debian's arm64 guest packages are unavailable: ${e.message}`);
  }
  const image = readFileSync(guest.xen);
  assert.ok(isArm64Image(image));
  const v = xenImageVersion(image, guest.xen);
  assert.equal(v.version, '4.17');
  assert.match(v.release ?? '', /^4\.17\.\d+/);
  const build = resolveXenBuild({ image: { bytes: image, file: guest.xen }, config: { text: readFileSync(`${guest.xen}.config`, 'utf8'), file: `${guest.xen}.config` } })!;
  const facts = parseXenBuild('debian-4.17');
  for (const o of facts.kconfig!) assert.ok(build.kconfig!.has(o), `${o} in Debian's .config`);
  for (const o of ['STATIC_MEMORY', 'STATIC_SHM', 'BOOT_TIME_CPUPOOLS']) assert.equal(build.kconfig!.has(o), false, o);
  assert.deepEqual(build.schedulers, facts.schedulers);
});

test('the 4.22 source build: release read from the Image, options from its .config', (t) => {
  const xen = xen422Builds();
  if (!xen.release) return skipNotice(t, xen.missing!);
  const build = resolveXenBuild({ image: { bytes: readFileSync(xen.release.image), file: xen.release.image }, config: { text: readFileSync(xen.release.config, 'utf8'), file: xen.release.config } })!;
  assert.equal(build.version, '4.22');
  for (const o of ['DOM0LESS_BOOT', 'STATIC_MEMORY', 'STATIC_SHM', 'STATIC_EVTCHN', 'BOOT_TIME_CPUPOOLS', 'XSM_FLASK', 'XSM_SILO']) assert.ok(build.kconfig!.has(o), o);
  assert.deepEqual(build.schedulers, ['credit', 'credit2', 'rtds', 'arinc653', 'null']);
});
