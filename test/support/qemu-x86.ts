/**
 * What the x86 boot tests outside test/qemu share: Debian's Xen 4.17 and
 * generic kernel from the x86 guest cache (downloaded on first use),
 * and a QEMU PC run until a serial line shows up.
 */
import { spawn } from 'node:child_process';
import { isQemuError } from '../../src/qemu/errors.js';
import { type X86GuestBinaries, fetchX86GuestBinaries } from '../../src/qemu/guest-packages-x86.js';

/**
 * Debian's Xen 4.17 amd64 and generic kernel: downloaded once into the guest
 * cache (as `qemu --arch x86_64` does), so a fresh machine runs these tests
 * too; undefined, with the reason in NO_X86_CACHE's place, when apt cannot
 * give them.
 */
export function x86GuestOrWhy(): { guest?: X86GuestBinaries; why?: string } {
  try {
    return { guest: fetchX86GuestBinaries() };
  } catch (e) {
    if (!isQemuError(e)) throw e;
    return { why: `Debian's amd64 guest packages are unavailable: ${e.message}` };
  }
}

/** Xen (gzip, for GRUB) and the generic kernel, or undefined (see x86GuestOrWhy for why). */
export function cachedX86Images(): { xen: string; kernel: string } | undefined {
  const { guest } = x86GuestOrWhy();
  return guest && { xen: guest.xenGz, kernel: guest.kernel };
}

export const NO_X86_CACHE = "Debian's amd64 Xen and kernel could not be downloaded into the x86 guest cache (see doctor)";

/** Seconds a boot may take before the test gives up (load on a shared 2-core machine makes them 3–4× longer). */
export const X86_BOOT_SECONDS = Number(process.env['HYPERLAUNCH_BOOT_TIMEOUT'] ?? 240);

/** Boot an ISO on QEMU's PC (`cpu`: -cpu value; `iommu`: q35's intel-iommu) until `done` matches the serial output; QEMU is killed either way. */
export function bootIsoUntil(iso: string, opts: { cpu: string; iommu?: boolean }, done: RegExp, seconds = X86_BOOT_SECONDS): Promise<string> {
  const args = ['-machine', 'q35', ...(opts.iommu ? ['-device', 'intel-iommu,intremap=on'] : []), '-cpu', opts.cpu, '-m', '2G', '-smp', '2', '-nic', 'none',
    '-serial', 'stdio', '-monitor', 'none', '-display', 'none', '-no-reboot', '-cdrom', iso];
  return new Promise((resolve) => {
    const q = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const finish = () => {
      clearTimeout(timer);
      q.kill('SIGKILL');
      resolve(out);
    };
    const timer = setTimeout(finish, seconds * 1000);
    q.stdout.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      if (done.test(out)) finish();
    });
    q.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}
