/**
 * What the x86 boot tests outside test/qemu share: Debian's Xen 4.17 and
 * generic kernel from the x86 guest cache (filled by the x86 qemu tests),
 * and a QEMU PC run until a serial line shows up.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Xen (gzip, for GRUB) and the generic kernel named by the x86 guest cache's manifest. */
export function cachedX86Images(): { xen: string; kernel: string } | undefined {
  const dir = join(process.env['HYPERLAUNCH_CACHE'] ?? join(homedir(), '.cache', 'hyperlaunch'), 'guest', 'x86_64');
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) return undefined;
  const m = JSON.parse(readFileSync(manifest, 'utf8')) as { xenGz?: string; kernel?: string };
  if (!m.xenGz || !m.kernel) return undefined;
  const xen = join(dir, m.xenGz);
  const kernel = join(dir, m.kernel);
  return existsSync(xen) && existsSync(kernel) ? { xen, kernel } : undefined;
}

export const NO_X86_CACHE = 'the x86 guest cache (~/.cache/hyperlaunch/guest/x86_64) has no Xen and kernel yet; the x86 qemu tests fill it';

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
