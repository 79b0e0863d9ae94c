/**
 * The binary policy, compiled by Debian's checkpolicy for the policy
 * version the target Xen reads (Xen takes versions up to its
 * POLICYDB_VERSION_MAX; checkpolicy writes any version up to its own).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XsmError } from './xsm-error.js';

export { policyVersionFor } from '../../check/xsm/policy-version.js';

/** The first word of `checkpolicy -V` ("33 (compatibility range 33-15)"). */
export function checkpolicyMaxVersion(): number | undefined {
  const r = spawnSync('checkpolicy', ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const n = Number.parseInt(r.stdout, 10);
  return Number.isFinite(n) ? n : undefined;
}

export function compilePolicy(source: string, version: number): Buffer {
  const max = checkpolicyMaxVersion();
  if (max === undefined) throw new XsmError('CHECKPOLICY_MISSING', 'checkpolicy is not installed', { hint: 'apt-get install checkpolicy' });
  if (version > max) throw new XsmError('POLICY_VERSION_UNSUPPORTED', `checkpolicy writes policy versions up to ${max}; the target Xen reads ${version}`);
  const dir = mkdtempSync(join(tmpdir(), 'hl-xsm-'));
  try {
    const conf = join(dir, 'policy.conf');
    const out = join(dir, 'policy.bin');
    writeFileSync(conf, source);
    const r = spawnSync('checkpolicy', ['-t', 'Xen', '-c', String(version), '-o', out, conf], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new XsmError('POLICY_COMPILE_FAILED', `checkpolicy rejected the generated policy: ${(r.stderr || r.stdout).trim()}`, { hint: 'a security-id must be a plain type name (letters, digits, _)' });
    }
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
