/**
 * The layering README.md promises: a lower layer never imports a higher one,
 * and the devicetree library stands alone (nothing outside src/fdt, no
 * packages but Node's own). Imports are read with TypeScript's own scanner,
 * so `import type`, re-exports and dynamic imports all count.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { repoRoot } from './support/paths.js';

/**
 * Lowest first. `diagnostics` (the Diagnostic shape and error base) sits under
 * the devicetree library so every layer's errors can extend it. `report` (the
 * picture of a system) reads everything up to the artifacts, never QEMU.
 */
const LAYERS = ['diagnostics', 'fdt', 'model', 'bindings', 'check', 'artifacts', 'report', 'qemu', 'doctor', 'cli'];

interface SourceFile {
  /** Repository-relative, '/'-separated: src/fdt/dtc.ts. */
  path: string;
  text: string;
}

function layerOf(path: string): string | undefined {
  const parts = path.split('/');
  return parts.length > 2 ? parts[1] : undefined;
}

function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** Every import that breaks the layering, as "file: specifier (why)". */
function layeringViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const from = layerOf(f.path);
    if (from === undefined) continue; // src/index.ts is the public API: it sits above every layer.
    const rank = LAYERS.indexOf(from);
    if (rank < 0) {
      out.push(`${f.path}: src/${from} is in no layer (add it to LAYERS and to README.md's Layout)`);
      continue;
    }
    for (const spec of importsOf(f.text)) {
      if (!spec.startsWith('.')) {
        if (from === 'fdt' && !spec.startsWith('node:')) out.push(`${f.path}: ${spec} (src/fdt takes no dependencies)`);
        continue;
      }
      const target = posix.normalize(posix.join(posix.dirname(f.path), spec));
      if (!target.startsWith('src/')) {
        out.push(`${f.path}: ${spec} (outside src)`);
        continue;
      }
      const to = layerOf(target);
      if (to === undefined) {
        out.push(`${f.path}: ${spec} (the public API is for users, not for layers)`);
      } else if (LAYERS.indexOf(to) > rank) {
        out.push(`${f.path}: ${spec} (${from} is below ${to})`);
      }
    }
  }
  return out;
}

function sourceFiles(dir: string, out: SourceFile[] = []): SourceFile[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (name.endsWith('.ts')) out.push({ path: relative(repoRoot, p).split(sep).join('/'), text: readFileSync(p, 'utf8') });
  }
  return out;
}

test('no file in src imports a higher layer; src/fdt imports nothing outside itself but node: builtins', () => {
  const files = sourceFiles(join(repoRoot, 'src'));
  assert.ok(files.length > 100, `only ${files.length} source files found under ${repoRoot}/src`);
  assert.deepEqual(layeringViolations(files), []);
});

test('the layering scan sees upward imports of every form', () => {
  const bad: SourceFile[] = [
    { path: 'src/bindings/a.ts', text: "import type { P } from '../artifacts/imagebuilder-plan/resolve.js';" },
    { path: 'src/fdt/tree/b.ts', text: "export * from '../../model/index.js';" },
    { path: 'src/model/c.ts', text: "const m = await import('../check/engine.js');" },
    { path: 'src/fdt/d.ts', text: "import x from 'fast-check';\nimport { y } from 'node:fs';" },
    { path: 'src/check/e.ts', text: "import { z } from '../index.js';" },
    { path: 'src/widgets/f.ts', text: '' },
  ];
  const found = layeringViolations(bad);
  assert.equal(found.length, 6, found.join('\n'));
  for (const f of bad) assert.ok(found.some((v) => v.startsWith(f.path)), `${f.path} not reported`);
  const good: SourceFile[] = [
    { path: 'src/cli/g.ts', text: "import { a } from '../fdt/dtc.js';\nimport { b } from '../qemu/index.js';\nimport { c } from './getopt.js';" },
    { path: 'src/artifacts/imagebuilder-plan/h.ts', text: "import type { P } from '../../bindings/imagebuilder/plan.js';" },
    { path: 'src/index.ts', text: "export * from './cli/main.js';" },
  ];
  assert.deepEqual(layeringViolations(good), []);
});
