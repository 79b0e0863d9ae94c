/**
 * ImageBuilder configs read as data: the bash subset, refused constructs
 * with their positions, nothing ever executed, and every error case of the
 * real uboot-script-gen run (06-error-cases.txt) with its exact message.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImageBuilderConfig } from '../../src/bindings/imagebuilder/config.js';
import { domUKernelMissing, resolveImageBuilder } from '../../src/artifacts/imagebuilder-plan/resolve.js';
import { parseShellConfig } from '../../src/bindings/imagebuilder/shell-config.js';
import { writeImageBuilderConfig } from '../../src/bindings/imagebuilder/write-config.js';
import { directorySource } from '../../src/artifacts/file-source.js';
import { buildUboot } from '../../src/artifacts/uboot-build.js';
import { FdtError } from '../../src/fdt/errors.js';
import { compileDts, dummyImage, goldenDir, haveGolden } from '../artifacts/golden-inputs.js';

const vars = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, v] of parseShellConfig(text, 'cfg').variables) for (const [k, val] of v) out[k === '0' ? name : `${name}[${k}]`] = val;
  return out;
};

test('config subset: quotes, bare values, indexes, [i,j] keys, comments, expansion, arithmetic', () => {
  const text = [
    '# a comment',
    'MEMORY_START="0x0"   # trailing comment',
    "MEMORY_END=$((0x40000000 + 0x40000000))",
    "BASE='/srv/tftp'",
    'DOMU_KERNEL[0]="${BASE}/Image"',
    'DOMU_KERNEL[1]=$BASE/Image-1',
    'DOMU_CMD[1]="console=ttyAMA0 root=\\"x\\" \\$HOME"',
    'DOMU_VCPU_HARD_AFFINITY[0,1]="3"',
    'A=1 B=two',
    'C="multi',
    'line"',
    'X+=y',
    'UNSET_EXPANDS="[$NOPE]"',
  ].join('\n');
  assert.deepEqual(vars(text), {
    MEMORY_START: '0x0',
    MEMORY_END: '2147483648',
    BASE: '/srv/tftp',
    DOMU_KERNEL: '/srv/tftp/Image', // key 0: the same variable as $DOMU_KERNEL
    'DOMU_KERNEL[1]': '/srv/tftp/Image-1',
    'DOMU_CMD[1]': 'console=ttyAMA0 root="x" $HOME',
    'DOMU_VCPU_HARD_AFFINITY[0,1]': '3',
    A: '1',
    B: 'two',
    C: 'multi\nline',
    X: 'y',
    UNSET_EXPANDS: '[]',
  });
});

test('bash quirk: $X is ${X[0]}, so X=1 and X[0]=1 are one variable', () => {
  assert.deepEqual(vars('DOMU_VUART_PL011=1\nY=${DOMU_VUART_PL011[0]}'), { DOMU_VUART_PL011: '1', Y: '1' });
});

const REFUSED: Array<[string, string, string]> = [
  ['DOM0_KERNEL="x"\nXEN=$(touch /tmp/x)', 'cfg:2:5', 'command substitution'],
  ['XEN=`id`', 'cfg:1:5', 'command substitution'],
  ['XEN="a`id`"', 'cfg:1:7', 'command substitution'],
  ['XEN=xen; rm -rf /', 'cfg:1:8', "command list ';'"],
  ['XEN=xen && reboot', 'cfg:1:9', "command list '&&'"],
  ['XEN=xen || true', 'cfg:1:9', "command list '||'"],
  ['XEN=xen | cat', 'cfg:1:9', 'pipeline'],
  ['XEN=xen > /etc/passwd', 'cfg:1:9', 'redirection'],
  ['  source /etc/profile', 'cfg:1:3', "command 'source'"],
  ['f() { echo hi; }', 'cfg:1:1', "command 'f'"],
  ['function f { echo; }', 'cfg:1:1', "command 'function'"],
  ['if true; then X=1; fi', 'cfg:1:1', "command 'if'"],
  ['X=(a b)', 'cfg:1:3', 'array list assignment'],
  ['X="${Y:-default}"', 'cfg:1:7', 'parameter expansion operator'],
  ['X=$((Y=3))', 'cfg:1:3', 'arithmetic'],
];

for (const [text, where, what] of REFUSED) {
  test(`refused, located: ${JSON.stringify(text)}`, () => {
    assert.throws(() => parseShellConfig(text, 'cfg'), (e: unknown) => {
      assert.ok(e instanceof FdtError);
      assert.equal(e.location, where);
      assert.match(e.message, new RegExp(what.replace(/[|()]/g, '\\$&')));
      if (!what.includes('arithmetic')) assert.match(e.message, /^unsupported shell construct/);
      return true;
    });
  });
}

test('never executed: $(touch FILE) and `touch FILE` leave no FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-ib-exec-'));
  try {
    const probe = join(dir, 'pwned');
    for (const text of [`XEN=$(touch ${probe})`, `XEN=\`touch ${probe}\``, `XEN="$(touch ${probe})"`, `XEN=x; touch ${probe}`]) {
      assert.throws(() => parseShellConfig(text, 'cfg'), FdtError);
      assert.equal(existsSync(probe), false);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface ErrorCase {
  title: string;
  config: string;
  loadCmd?: string;
  output: string;
  exit: number;
  source?: string;
}

/** 06-error-cases.txt: `### title`, `--- config:`, `--- command:`, `--- output:`, `[exit code N]`. */
function errorCases(): ErrorCase[] {
  const text = readFileSync(join(goldenDir, '06-error-cases.txt'), 'utf8');
  return text.split(/^### /m).slice(1).map((block) => {
    const title = block.slice(0, block.indexOf('\n'));
    const config = /--- config:\n([\s\S]*?)--- command:/.exec(block)![1]!;
    const command = /--- command: (.*)/.exec(block)![1]!;
    const output = /--- output:\n([\s\S]*?)\[exit code/.exec(block)![1]!.trimEnd();
    const exit = Number(/\[exit code (\d+)\]/.exec(block)![1]);
    const source = /--- resulting boot.source[^\n]*\n([\s\S]*)$/.exec(block)?.[1];
    return { title, config, loadCmd: / -t (\S+)/.exec(command)?.[1], output, exit, source };
  });
}

test('06-error-cases: every case gives uboot-script-gen\'s message (11 cases)', (t) => {
  if (!haveGolden(t)) return;
  const cases = errorCases();
  assert.equal(cases.length, 11);
  const dir = mkdtempSync(join(tmpdir(), 'hl-ib-err-'));
  try {
    writeFileSync(join(dir, 'host.dtb'), compileDts(join(goldenDir, '01-dom0-2domus-tftp', 'host.dts')));
    dummyImage(join(dir, 'xen'), 950000);
    dummyImage(join(dir, 'Image-dom0'), 20000000);
    for (const c of cases) {
      const run = () => {
        const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(c.config, 'config')), { loadCmd: c.loadCmd });
        return buildUboot(plan, { dir, files: directorySource(dir), naming: 'imagebuilder-2023' });
      };
      if (c.exit === 0 && c.source) {
        const b = run();
        assert.equal(b.stdout.join('\n'), c.output, c.title);
        assert.equal(b.source, c.source.trimEnd() + '\n', c.title);
        continue;
      }
      // XEN_CMD + DOM0_MEM: ImageBuilder exits 0 without output; we call it an error (documented)
      assert.throws(run, (e: unknown) => e instanceof FdtError && e.code.startsWith('IB_') && e.message === c.output, c.title);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a written config reads back to the same build', (t) => {
  if (!haveGolden(t)) return;
  const cfgPath = join(goldenDir, '01-dom0-2domus-tftp', 'config');
  const cfg = readImageBuilderConfig(parseShellConfig(readFileSync(cfgPath, 'utf8'), cfgPath));
  const text = writeImageBuilderConfig(cfg);
  assert.match(text, /^MEMORY_START="0x0"\n/);
  assert.match(text, /\nDOMU_CMD\[1\]="console=ttyAMA0 root=\/dev\/ram0"\n/);
  const again = readImageBuilderConfig(parseShellConfig(text, 'written'));
  const strip = (c: typeof cfg) => ({ ...c, file: '', variables: undefined });
  assert.deepEqual(strip(again), strip(cfg));
  const aux = readImageBuilderConfig(parseShellConfig('XEN=x\nGPT=1\nNUM_BOOT_AUX_FILE=1\nBOOT_AUX_FILE[0]="uEnv.txt"\nDOMU_VCPU_HARD_AFFINITY[0,1]=3\n', 'aux'));
  // key 0 is written unindexed: the same variable for bash ($X is ${X[0]})
  assert.equal(writeImageBuilderConfig(aux), 'XEN="x"\nGPT="1"\nNUM_BOOT_AUX_FILE="1"\nBOOT_AUX_FILE="uEnv.txt"\nDOMU_VCPU_HARD_AFFINITY[0,1]="3"\n');
  const tricky = readImageBuilderConfig(parseShellConfig('XEN=x', 'x'));
  tricky.xen = 'a"b$c`d\\e';
  assert.equal(readImageBuilderConfig(parseShellConfig(writeImageBuilderConfig(tricky), 'y')).xen, 'a"b$c`d\\e');
});

test('bash arithmetic: C precedence, hex/octal, variables as expressions; assignments refused', () => {
  const v = vars([
    'BASE=0x40000000', 'SIZE="BASE >> 1"',
    'A=$((BASE + SIZE))', 'B=$(( 1 | 2 ^ 3 & 1 ))', 'C=$((010 + 0x10 + 10))', 'D=$(( (1 << 4) >> 2 <= 4 ))', 'E=$((-1 - ~0))',
  ].join('\n'));
  assert.deepEqual([v.A, v.B, v.C, v.D, v.E], ['1610612736', '3', '34', '1', '0']);
  for (const bad of ['X=$((Y+=1))', 'X=$((Y++))', 'X=$((1/0))', 'X=$((08))', 'X=$((1 +))']) {
    assert.throws(() => parseShellConfig(bad, 'cfg'), (e: unknown) => e instanceof FdtError && e.code === 'IB_ARITHMETIC' && e.location === 'cfg:1:3', bad);
  }
});

test('huge counts and indexes fail fast instead of allocating', () => {
  const base = 'XEN=xen\nDOM0_KERNEL=k\nLOAD_CMD=tftpb\nUBOOT_SOURCE=b.source\nUBOOT_SCRIPT=b.scr\n';
  const resolve = (text: string) => resolveImageBuilder(readImageBuilderConfig(parseShellConfig(base + text, 'cfg')));
  const plan = resolve('NUM_DOMUS=1000000000\nDOMU_KERNEL[0]=k\n');
  assert.equal(plan.domus.length, 2); // stops at the first domU the build will refuse
  assert.equal(domUKernelMissing(plan.domus[1]!)?.message, 'DOMU_KERNEL[1] is not defined');
  assert.throws(() => resolve('NUM_CPUPOOLS=1000000000\n'), /CPUPOOL\[0\] is not defined/);
  assert.throws(() => resolve('DOMU_KERNEL[99999999]=k\n'), (e: unknown) => e instanceof FdtError && e.code === 'IB_INDEX');
});
