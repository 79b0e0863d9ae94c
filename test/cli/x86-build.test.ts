/**
 * `build --arch x86_64`, `convert --to xl` and `check --arch x86_64` end to
 * end: the boot directory with its files and images, the refusals with
 * their exit codes, and the ISO grub-mkrescue makes of it (inspected with
 * xorriso: GRUB for BIOS and EFI, our grub.cfg inside).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { cliPath, repoRoot } from '../support/paths.js';
import { removedAfter } from '../support/temp-dir.js';
import { needTools } from '../support/tools.js';
import { writeSyntheticKernel } from '../check/x86-kernel-images.js';
import { x86BootPrerequisites } from '../qemu/x86-support.js';
import { skipNotice } from '../support/skip.js';

const EXAMPLE = join(repoRoot, 'examples', 'x86-dom0-two-guests.dts');

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Distinct small files standing in for Xen and the kernels (the build copies, it does not read them, except Xen's gzip magic). */
function images(dir: string): string[] {
  writeFileSync(join(dir, 'xen.gz'), gzipSync(Buffer.from('xen')));
  const args = ['--xen', 'xen.gz'];
  for (const d of ['dom0', 'guest-pv', 'guest-pvh']) {
    for (const k of ['kernel', 'ramdisk']) {
      writeFileSync(join(dir, `${d}-${k}`), `${d} ${k}\n`);
      args.push('--module', `${d}/${k}=${d}-${k}`);
    }
  }
  return args;
}

function inDir(fn: (dir: string) => void): void {
  removedAfter(mkdtempSync(join(tmpdir(), 'x86-build-')), fn);
}

test('build --arch x86_64: grub.cfg, xen.cfg, one xl.cfg per guest, the dom0 script, and the images where they point', () => {
  inDir((dir) => {
    const r = cli(dir, 'build', '--arch', 'x86_64', EXAMPLE, '-d', 'out', ...images(dir));
    assert.equal(r.code, 0, r.stderr);
    const out = join(dir, 'out');
    const grub = readFileSync(join(out, 'boot/grub/grub.cfg'), 'utf8');
    assert.match(grub, /^    multiboot2 \/boot\/xen\.gz console=com1 com1=115200,8n1 dom0_mem=512M,max:512M dom0_max_vcpus=1$/m);
    assert.match(grub, /^    module2 \/boot\/vmlinuz console=hvc0 earlyprintk=xen panic=-1$/m);
    assert.match(grub, /^    module2 \/boot\/initrd\.img$/m);
    // Every path grub.cfg and xen.cfg name is a file of the build, holding the image named for it.
    for (const p of grub.matchAll(/(?:multiboot2|module2) (\S+)/g)) assert.ok(existsSync(join(out, p[1]!)), p[1]);
    assert.equal(readFileSync(join(out, 'boot/vmlinuz'), 'utf8'), 'dom0 kernel\n');
    assert.equal(readFileSync(join(out, 'boot/initrd.img'), 'utf8'), 'dom0 ramdisk\n');
    const efi = readFileSync(join(out, 'boot/xen.cfg'), 'utf8');
    for (const p of efi.matchAll(/^(?:kernel|ramdisk)=(\S+)/gm)) assert.ok(existsSync(join(out, 'boot', p[1]!)), p[1]);
    for (const g of ['guest-pv', 'guest-pvh']) {
      const xl = readFileSync(join(out, 'xl', `${g}.cfg`), 'utf8');
      assert.match(xl, new RegExp(`^name = "${g}"$`, 'm'));
      assert.match(xl, new RegExp(`^type = "${g === 'guest-pv' ? 'pv' : 'pvh'}"$`, 'm'));
      assert.match(xl, /^memory = 128$/m);
      assert.match(xl, /^extra = "console=hvc0 panic=-1"$/m);
      assert.match(xl, new RegExp(`^kernel = "/boot/${g}/vmlinuz"$`, 'm'));
      assert.equal(readFileSync(join(out, 'domains', g, 'vmlinuz'), 'utf8'), `${g} kernel\n`);
      assert.equal(readFileSync(join(out, 'domains', g, 'initrd.img'), 'utf8'), `${g} ramdisk\n`);
    }
    const script = readFileSync(join(out, 'xl/late-launch.sh'), 'utf8');
    assert.ok(script.indexOf('start guest-pv') < script.indexOf('start guest-pvh'));
    assert.equal(statSync(join(out, 'xl/late-launch.sh')).mode & 0o111, 0o111, 'the script is executable');
    assert.match(r.stderr, /dom0 needs xl\/late-launch\.sh at \/etc\/xen\/hyperlaunch\/late-launch\.sh/);
  });
});

test('build: x86 is implied by a Hyperlaunch tree of multiboot modules; the same input gives the same bytes', () => {
  inDir((dir) => {
    const args = images(dir);
    assert.equal(cli(dir, 'build', EXAMPLE, '-d', 'a', ...args).code, 0);
    assert.equal(cli(dir, 'build', EXAMPLE, '-d', 'b', ...args).code, 0);
    for (const f of ['boot/grub/grub.cfg', 'boot/xen.cfg', 'xl/late-launch.sh', 'xl/guest-pv.cfg', 'xl/guest-pvh.cfg']) {
      assert.deepEqual(readFileSync(join(dir, 'a', f)), readFileSync(join(dir, 'b', f)), f);
    }
  });
});

test('build: losses are errors (exit 1, nothing written) unless --allow-loss', () => {
  inDir((dir) => {
    const ex = join(repoRoot, 'examples', 'hyperlaunch-disaggregated.dts');
    writeFileSync(join(dir, 'k'), 'k');
    const mods = ['--xen', 'k', '--module', 'hardware/kernel=k', '--module', 'hardware/ramdisk=k', '--module', 'xenstore/kernel=k', '--module', 'control/kernel=k'];
    const r = cli(dir, 'build', ex, '-d', 'out', ...mods);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error\[NOT_EXPRESSIBLE\]: \/chosen\/hypervisor\/hardware:capabilities: Xen 4\.17 x86 gives dom0 control, hardware and xenstore together/);
    assert.match(r.stderr, /error\[LOSSY_CONVERSION\]: 3 item\(s\)/);
    assert.equal(existsSync(join(dir, 'out')), false);
    const ok = cli(dir, 'build', ex, '-d', 'out', '--allow-loss', ...mods);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /warning\[NOT_EXPRESSIBLE\]/);
    assert.deepEqual(readdirSync(join(dir, 'out', 'xl')).sort(), ['control.cfg', 'late-launch.sh', 'xenstore.cfg']);
  });
});

test('build: a missing image is named with the option that gives it (exit 1); usage errors exit 2', () => {
  inDir((dir) => {
    const r = cli(dir, 'build', '--arch', 'x86_64', EXAMPLE, '-d', 'out', '--no-fetch');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no file for xen, dom0\/kernel, dom0\/ramdisk, guest-pv\/kernel/);
    assert.match(r.stderr, /--module DOMAIN\/KIND=FILE/);
    const unknown = cli(dir, 'build', '--arch', 'x86_64', EXAMPLE, '--module', 'dom0/dtb=x', '-d', 'o');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /dom0\/dtb: not an image of this build \(it needs xen, xen\.efi, dom0\/kernel, dom0\/ramdisk/);
    assert.equal(cli(dir, 'build', '--arch', 'x86_64', EXAMPLE, '--module', 'dom0-kernel', '-d', 'o').code, 2, 'not DOMAIN/KIND=FILE');
    assert.equal(cli(dir, 'build', '--arch', 'x86_64', EXAMPLE).code, 2, '-d is required');
    const arm = cli(dir, 'build', join(repoRoot, 'examples', 'qemu-dom0less.dts'), '-d', 'o');
    assert.equal(arm.code, 2);
    assert.match(arm.stderr, /does not say it is for x86 \(give --arch x86_64\)/);
  });
});

test('build --arch x86_64 FILE -d DIR needs nothing else: Debian\'s Xen and kernel from the cache, an initramfs per domain generated', (t) => {
  const prereq = x86BootPrerequisites();
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  inDir((dir) => {
    const r = cli(dir, 'build', '--arch', 'x86_64', EXAMPLE, '-d', 'out');
    assert.equal(r.code, 0, r.stderr);
    const out = (...p: string[]) => readFileSync(join(dir, 'out', ...p));
    assert.ok(out('boot', 'xen.gz').equals(readFileSync(prereq.guest!.xenGz)), "Debian's Xen");
    assert.ok(out('boot', 'vmlinuz').equals(readFileSync(prereq.guest!.kernel)), "Debian's kernel");
    // dom0's initramfs carries the late launch: the xl tools and the script that starts the guests.
    const dom0 = gunzipSync(out('boot', 'initrd.img'));
    assert.ok(dom0.includes(Buffer.from('late-launch.sh')) && dom0.includes(Buffer.from('xenstored')), "dom0's initramfs has the late launch");
    // Each late domain got its own initramfs, whose /init names it.
    for (const d of ['guest-pv', 'guest-pvh']) {
      assert.ok(out('domains', d, 'vmlinuz').equals(readFileSync(prereq.guest!.kernel)));
      assert.ok(gunzipSync(out('domains', d, 'initrd.img')).includes(Buffer.from(`${d} up`)), `${d}'s initramfs names it`);
    }
  });
});

test('build: never over an input (an image inside the output directory)', () => {
  inDir((dir) => {
    const args = images(dir);
    assert.equal(cli(dir, 'build', EXAMPLE, '-d', 'out', ...args).code, 0);
    const again = args.map((a) => (a === 'dom0-kernel' || a.endsWith('=dom0-kernel') ? a.replace('dom0-kernel', 'out/boot/vmlinuz') : a));
    const r = cli(dir, 'build', EXAMPLE, '-d', 'out', ...again);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to overwrite input file/);
  });
});

test('build: dom0\'s kernel is probed from the file being copied; a kernel without dom0 support is refused unless --force', () => {
  inDir((dir) => {
    const args = images(dir);
    const cloud = writeSyntheticKernel(dir, 'cloud');
    const withCloud = args.map((a) => (a === 'dom0/kernel=dom0-kernel' ? `dom0/kernel=${cloud}` : a));
    const r = cli(dir, 'build', EXAMPLE, '-d', 'out', ...withCloud);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error\[x86-kernel-dom0\]: dom0: .*cloud\.img \(6\.1\.0-28-cloud-amd64\): its Xen SUPPORTED_FEATURES note lacks XENFEAT_dom0; Xen 4\.17\.7 builds dom0 anyway .*dom0 never reaches userspace/);
    assert.equal(existsSync(join(dir, 'out')), false);
    assert.equal(cli(dir, 'build', EXAMPLE, '-d', 'out', '--force', ...withCloud).code, 0);
    const generic = args.map((a) => (a === 'dom0/kernel=dom0-kernel' ? `dom0/kernel=${writeSyntheticKernel(dir, 'generic')}` : a));
    const ok = cli(dir, 'build', EXAMPLE, '-d', 'out2', ...generic);
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /x86-kernel/);
  });
});

test('convert --to xl: the xl.cfg files alone', () => {
  inDir((dir) => {
    const r = cli(dir, 'convert', EXAMPLE, '--to', 'xl', '-o', 'xl');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'xl')).sort(), ['guest-pv.cfg', 'guest-pvh.cfg']);
    assert.match(readFileSync(join(dir, 'xl', 'guest-pvh.cfg'), 'utf8'), /^type = "pvh"$/m);
    assert.equal(cli(dir, 'convert', EXAMPLE, '--to', 'xl').code, 2, '--to xl needs -o DIR');
    assert.equal(cli(dir, 'convert', join(repoRoot, 'examples', 'hyperlaunch-disaggregated.dts'), '--to', 'xl', '-o', 'd').code, 1, 'losses without --allow-loss');
  });
});

test('check --arch x86_64: a PVH dom0 on QEMU without an IOMMU is refused with Xen\'s panic message', () => {
  inDir((dir) => {
    const pvh = readFileSync(EXAMPLE, 'utf8').replace(/(dom0 \{[\s\S]*?mode = <)1(>)/, '$10$2');
    writeFileSync(join(dir, 'pvh.dts'), pvh);
    const r = cli(dir, 'check', '--xen', 'debian-4.17', '--x86-host', 'qemu', '--late-launch', 'pvh.dts');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error\[x86-pvh-dom0-iommu\]: dom0: a PVH dom0 on a host without an IOMMU; Xen panics "Presently, iommu must be enabled for PVH hardware domain"/);
    assert.equal(cli(dir, 'check', '--xen', 'debian-4.17', '--x86-host', 'qemu-iommu', '--late-launch', 'pvh.dts').code, 0);
    const early = cli(dir, 'check', '--xen', 'debian-4.17', '--x86-host', 'qemu-iommu', 'pvh.dts');
    assert.equal(early.code, 1, 'without --late-launch the guests are not built');
    assert.match(early.stderr, /error\[x86-boot-domus\]: guest-pv:/);
    assert.equal(cli(dir, 'check', '--x86-host', 'bogus', 'pvh.dts').code, 2);
  });
});

test('build --iso: grub-mkrescue makes an ISO with BIOS and EFI GRUB and our grub.cfg', (t) => {
  if (!needTools(t, ['grub-mkrescue', 'xorriso', 'mformat'], ['--version'])) return;
  for (const dir of ['/usr/lib/grub/i386-pc', '/usr/lib/grub/x86_64-efi']) {
    if (!existsSync(dir)) return t.skip(`SKIP: ${dir}: not installed (grub-pc-bin / grub-efi-amd64-bin)`);
  }
  inDir((dir) => {
    const r = cli(dir, 'build', EXAMPLE, '-d', 'out', '--iso', ...images(dir));
    assert.equal(r.code, 0, r.stderr);
    const iso = join(dir, 'out', 'hyperlaunch.iso');
    const boot = spawnSync('xorriso', ['-indev', iso, '-report_el_torito', 'plain'], { encoding: 'utf8' });
    assert.equal(boot.status, 0, boot.stderr);
    assert.match(boot.stdout, /El Torito boot img :\s+1\s+BIOS/, 'a BIOS boot image');
    assert.match(boot.stdout, /El Torito boot img :\s+2\s+UEFI/, 'an EFI boot image');
    const x = spawnSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/boot/grub/grub.cfg', join(dir, 'grub.cfg')], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    assert.deepEqual(readFileSync(join(dir, 'grub.cfg')), readFileSync(join(dir, 'out', 'boot', 'grub', 'grub.cfg')));
    const files = spawnSync('xorriso', ['-indev', iso, '-find', '/boot', '-type', 'f'], { encoding: 'utf8' }).stdout;
    for (const f of ['/boot/xen.gz', '/boot/vmlinuz', '/boot/initrd.img']) assert.ok(files.includes(`'${f}'`), f);
    assert.ok(!files.includes('late-launch.sh'), 'dom0\'s late-launch files are not on the ISO');
  });
});

test('build: what nobody named comes from the image supplier (the QEMU cache\'s seam); its scratch directory is gone afterwards', async () => {
  const { buildX86Command } = await import('../../src/cli/build-x86-command.js');
  const dir = mkdtempSync(join(tmpdir(), 'x86-supplier-'));
  let scratch = '';
  let asked: string[] = [];
  try {
    writeFileSync(join(dir, 'xen.gz'), gzipSync(Buffer.from('xen')));
    const code = await buildX86Command([EXAMPLE, '-d', join(dir, 'out'), '--xen', join(dir, 'xen.gz'), '--module', `dom0/kernel=${join(dir, 'xen.gz')}`], async (plan, missing, workDir) => {
      scratch = workDir;
      asked = missing.map((n) => n.key);
      assert.equal(plan.dom0.name, 'dom0');
      const out = new Map<string, string>();
      for (const n of missing.filter((x) => x.required)) {
        const file = join(workDir, n.key.replace('/', '-'));
        writeFileSync(file, `supplied ${n.key}\n`);
        out.set(n.key, file);
      }
      return out;
    });
    assert.equal(code, 0);
    assert.deepEqual(asked, ['xen.efi', 'dom0/ramdisk', 'guest-pv/kernel', 'guest-pv/ramdisk', 'guest-pvh/kernel', 'guest-pvh/ramdisk']);
    assert.equal(readFileSync(join(dir, 'out', 'boot', 'initrd.img'), 'utf8'), 'supplied dom0/ramdisk\n');
    assert.equal(readFileSync(join(dir, 'out', 'domains', 'guest-pvh', 'initrd.img'), 'utf8'), 'supplied guest-pvh/ramdisk\n');
    assert.equal(existsSync(scratch), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
