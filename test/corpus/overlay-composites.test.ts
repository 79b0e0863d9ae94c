/**
 * The kernel's overlay composites (`name-dtbs := base.dtb overlay.dtbo` in
 * the vendor Makefiles): base and overlays built by dtc with the kernel's
 * flags, then applyOverlays compared with fdtoverlay on those same inputs.
 * fdtoverlay's result is also compared with the composite Debian ships
 * (informational: it checks the recipe, not our code).
 */
import { test } from 'node:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverlays } from '../../src/fdt/fdtoverlay.js';
import { Comparison, bytesDiffer, guarded, skipWithoutTools } from './corpus-compare.js';
import {
  type KernelSource,
  getKernelDtbs,
  getKernelSources,
  isUnavailable,
  kernelDtcArgs,
  mapLimit,
  runTool,
  skipUnavailable,
} from './debian-corpus.js';
import { skipLine } from '../support/skip.js';
import { KNOWN_DIFFERENCES } from './known-differences.js';

test('overlay composites: applyOverlays gives fdtoverlay’s bytes', { timeout: 300_000 }, async (t) => {
  if (skipWithoutTools(t, ['dtc', 'cpp', 'fdtoverlay'])) return;
  const corpus = await getKernelSources();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const byName = new Map<string, KernelSource>(corpus.sources.map((s) => [s.name, s]));
  const shipped = await getKernelDtbs();
  // the byte comparison still runs: a notice for the informational part it leaves out
  if (isUnavailable(shipped)) console.log(skipLine('recipe check against the Debian-shipped blobs', shipped.reason));
  const tmp = mkdtempSync(join(tmpdir(), 'hl-overlay-'));
  const bytes = new Comparison('applyOverlays vs fdtoverlay', KNOWN_DIFFERENCES.overlayComposites);
  const recipe = new Comparison('recipe check: fdtoverlay vs Debian-shipped composite (informational)', undefined, true);
  try {
    // Bases are shared between composites: build each part once, even when two workers ask together.
    const built = new Map<string, Promise<string>>();
    const build = (name: string): Promise<string> => {
      let p = built.get(name);
      if (!p) {
        p = buildPart(name);
        built.set(name, p);
      }
      return p;
    };
    const buildPart = async (name: string): Promise<string> => {
      const src = byName.get(name);
      if (!src) throw new Error(`composite part ${name} is not among the preprocessed sources`);
      const out = join(tmp, name.replace(/\//g, '_').replace(/\.dts$/, src.overlay ? '.dtbo' : '.dtb'));
      const r = await runTool('dtc', ['-q', '-o', out, ...kernelDtcArgs(src)]);
      if (r.code !== 0) throw new Error(`dtc failed on ${name}: ${r.stderr}`);
      return out;
    };
    await mapLimit(corpus.composites, 2, async (c) => {
      const base = await build(c.base);
      const overlays: string[] = [];
      for (const o of c.overlays) overlays.push(await build(o));
      const out = join(tmp, `${c.name.replace(/\//g, '_')}.composite.dtb`);
      const fdt = await runTool('fdtoverlay', ['-i', base, '-o', out, ...overlays]);
      const ours = guarded(() => applyOverlays(readFileSync(base), overlays.map((o) => readFileSync(o))));
      if (fdt.code !== 0) {
        bytes.record(c.name, ours.error ? undefined : `fdtoverlay failed (${fdt.stderr.trim()}) but ours succeeded`);
        return;
      }
      const theirs = readFileSync(out);
      bytes.record(c.name, ours.error ?? bytesDiffer(ours.value, theirs));
      if (!isUnavailable(shipped)) {
        const blob = join(shipped.dir, `${c.name}.dtb`);
        if (existsSync(blob)) recipe.record(c.name, bytesDiffer(theirs, readFileSync(blob)));
      }
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  bytes.report();
  recipe.report();
  bytes.assertNoUnexpected();
});

