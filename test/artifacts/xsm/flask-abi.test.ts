/**
 * The FLASK class, permission and initial-SID orders are an ABI (a binary
 * policy names them by position): compare ours with Xen 4.22's own lists in
 * ../shared/xen-src's tarball, read with tar. SKIP: without the tarball.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { FLASK_CLASSES, FLASK_INITIAL_SIDS } from '../../../src/check/xsm/flask-abi.js';
import { needShared } from '../../support/shared.js';

const TARBALL = 'xen-src/xen-4.22.0-hypervisor.tar.xz';
const DIR = 'xen/xsm/flask/policy';

function fromTarball(tarball: string, file: string): string {
  const r = spawnSync('tar', ['-xJOf', tarball, `${DIR}/${file}`], { encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/#.*$/gm, '');
}

test("FLASK classes, permissions and initial SIDs are in Xen 4.22's order", (t) => {
  const tarball = needShared(t, "Xen 4.22's FLASK interface lists", TARBALL);
  if (!tarball) return;
  const classes = [...fromTarball(tarball, 'security_classes').matchAll(/^class\s+(\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(FLASK_CLASSES.map(([c]) => c), classes);
  const vectors = new Map([...fromTarball(tarball, 'access_vectors').matchAll(/class\s+(\w+)\s*\{([^}]*)\}/g)].map((m) => [m[1], m[2]!.split(/\s+/).filter(Boolean)]));
  for (const [c, perms] of FLASK_CLASSES) assert.deepEqual(perms, vectors.get(c), c);
  const sids = [...fromTarball(tarball, 'initial_sids').matchAll(/^sid\s+(\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(FLASK_INITIAL_SIDS, sids);
});
