/**
 * DTS front-end fuzzer: dtc's own test sources mutated by fast-check —
 * token deletion, duplication and insertion (from a vocabulary of DTS
 * syntax), random bytes, truncation — plus generated integer expressions.
 * Every case must end in a DeviceTree or an FdtError (never another
 * exception, never a hang); accepted trees are also walked to make sure they
 * are well formed. Includes resolve inside the corpus only.
 */
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { FdtError } from '../../src/fdt/errors.js';
import type { DeviceTree, Node } from '../../src/fdt/tree/livetree.js';
import { DTC_TESTS, sharedOrNotice } from '../support/shared.js';

const INLINE_SOURCES = [
  `/dts-v1/;
/memreserve/ 0x1000 0x2000;
/ {
	#address-cells = <2>;
	compatible = "vendor,board", "generic";
	big = /bits/ 64 <0x123456789>;
	bytes = [00 01 02];
	expr = <((1 << 4) | 3) (10 / 3) (-1) ('a' + 1)>;
	ref = <&intc>, &intc;
	intc: intc@100 { reg = <0 0x100 0x10>; interrupt-controller; };
	/omit-if-no-ref/ unused { };
};
&intc { extra; /delete-property/ reg; };
/delete-node/ &{/unused};
`,
  `/dts-v1/;
/plugin/;
&target { status = "okay"; sub { p = <1>; }; };
&{/path/to} { q; };
`,
];

/** Fragments of DTS syntax to splice in: every keyword, bracket and awkward lexeme. */
const VOCABULARY = [
  '/', '{', '}', ';', '=', ',', '<', '>', '[', ']', '(', ')', '&', '&{/', '&{/a/b}', '&lbl', 'lbl:', 'x: ',
  '"', "'", '"str"', "'c'", "'\\''", '"\\x"', '"\\0"', '\\', '#', '# 1 "f.dts"\n', '#line 9 "g" 2\n',
  '/dts-v1/;', '/plugin/;', '/dts-v1/', '/plugin/', '/memreserve/', '/bits/', '/bits/ 8', '/bits/ 64', '/bits/ 7',
  '/delete-node/', '/delete-property/', '/omit-if-no-ref/', '/include/', '/include/ "x.dtsi"', '/incbin/',
  '/incbin/("incbin.bin")', '/incbin/("incbin.bin", 1, 2)', '/incbin/("/etc/hostname")',
  '0', '1', '0x', '0xffffffffffffffff', '18446744073709551616', '08', '1ULL', '(1/0)', '(0 % 0)',
  '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '?', ':', '-', '~', '!', '*', '%', '^', '|',
  '/*', '*/', '//', '\n', ' ', '\t', '\r', '\0', '\xff', 'node@1', 'prop-name', '#size-cells', 'ab', 'zz',
];

export type DtsMutation = Mutation;

type Mutation =
  | { kind: 'deleteToken'; at: number; count: number }
  | { kind: 'duplicateToken'; at: number; times: number }
  | { kind: 'insertToken'; at: number; token: string }
  | { kind: 'insertBytes'; at: number; bytes: Uint8Array }
  | { kind: 'overwriteByte'; at: number; byte: number }
  | { kind: 'truncate'; at: number };

export const dtsMutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deleteToken' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicateToken' as const), at: fc.nat(), times: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insertToken' as const), at: fc.nat(), token: fc.constantFrom(...VOCABULARY) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insertBytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('overwriteByte' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
);

/** Rough DTS tokens (enough to cut and paste at token boundaries); text is latin1. */
function tokens(text: string): string[] {
  return text.match(/\s+|\/[a-z-]+\/|"(?:[^"\\\n]|\\.)*"|[A-Za-z0-9_,.+*#?@-]+:?|&\{[^}]*\}|&[A-Za-z_]\w*|<<|>>|[^]/g) ?? [];
}

export function applyDtsMutation(text: string, m: Mutation): string {
  if (m.kind === 'insertBytes' || m.kind === 'overwriteByte' || m.kind === 'truncate') {
    const at = text.length ? m.at % (text.length + 1) : 0;
    if (m.kind === 'truncate') return text.slice(0, at);
    if (m.kind === 'overwriteByte') return text.slice(0, at) + String.fromCharCode(m.byte) + text.slice(at + 1);
    return text.slice(0, at) + String.fromCharCode(...m.bytes) + text.slice(at);
  }
  const toks = tokens(text);
  const at = toks.length ? m.at % (toks.length + 1) : 0;
  if (m.kind === 'insertToken') toks.splice(at, 0, m.token);
  else if (m.kind === 'deleteToken') toks.splice(at, m.count);
  else if (at < toks.length) toks.splice(at, 0, ...Array<string>(m.times).fill(toks[at]!));
  return toks.join('');
}

const OPERATORS = ['+', '-', '*', '/', '%', '<<', '>>', '<', '>', '<=', '>=', '==', '!=', '&', '^', '|', '&&', '||'];

const expressionArb: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => `0x${v.toString(16)}`),
      fc.integer({ min: 0, max: 70 }).map(String),
      fc.constantFrom("'a'", "'\\x7f'", '0', '64', '0ULL'),
    ),
    fc.tuple(tie('e'), fc.constantFrom(...OPERATORS), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom('-', '~', '!'), tie('e')).map(([op, a]) => `${op}${a}`),
    tie('e').map((a) => `(${a})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `${a} ? ${b} : ${c}`),
  ),
})).e;

/** A generated expression in a property, sometimes in a /bits/ array, sometimes with a syntax slip. */
const expressionSourceArb: fc.Arbitrary<string> = fc
  .tuple(expressionArb, fc.constantFrom('', '/bits/ 8 ', '/bits/ 16 ', '/bits/ 64 '), fc.option(fc.constantFrom(...VOCABULARY), { freq: 4 }))
  .map(([e, bits, slip]) => `/dts-v1/;\n/ { p = ${bits}<(${e})${slip ?? ''}>; };\n`);

function findCorpus(): string | undefined {
  return sharedOrNotice('dtc-corpus seed sources for the DTS fuzzer', DTC_TESTS);
}

interface Seed {
  name: string;
  text: string; // latin1
}

function seedSources(corpus: string | undefined): Seed[] {
  const seeds = INLINE_SOURCES.map((text, i) => ({ name: `inline${i}.dts`, text }));
  if (!corpus) return seeds;
  for (const f of readdirSync(corpus).sort()) {
    if (f.endsWith('.dts') || f.endsWith('.dtsi')) seeds.push({ name: f, text: readFileSync(join(corpus, f), 'latin1') });
  }
  return seeds;
}

/**
 * `count` mutated single-file corpus sources (no /include/ or /incbin/), for
 * differential runs against dtc; deterministic for a seed.
 */
export function sampleMutatedSources(count: number, seed: number): string[] {
  // phandle-args-overflow sends dtc 1.6.1 into an endless loop in its checks.
  const seeds = seedSources(findCorpus()).filter(
    (s) => s.name.endsWith('.dts') && s.name !== 'phandle-args-overflow.dts' && !/\/(include|incbin)\//.test(s.text),
  );
  const arb = fc.tuple(fc.nat(seeds.length - 1), fc.array(dtsMutationArb, { minLength: 1, maxLength: 2 }));
  return fc.sample(arb, { numRuns: count, seed }).map(([i, ms]) => ms.reduce(applyDtsMutation, seeds[i]!.text));
}

// ------------------------------------------------------------ generated programs

const GEN_NAMES = ['a', 'b', 'c@1', 'd'];
const GEN_LABELS = ['la', 'lb', 'lc', 'ld', 'le'];
const GEN_PROPS = ['p', 'q', 'r'];
const genLabel = fc.option(fc.constantFrom(...GEN_LABELS).map((l) => `${l}: `), { freq: 3 }).map((x) => x ?? '');
const genValue = fc.constantFrom('', ' = <1>', ' = "s"', ' = <&la>', ' = &lb', ' = <2 &{/a}>', ' = [01]', ' = lv: <3>, "t" le:');
const genProp = fc.oneof(
  fc.tuple(genLabel, fc.constantFrom(...GEN_PROPS), genValue).map(([l, p, v]) => `${l}${p}${v};`),
  fc.constantFrom(...GEN_PROPS).map((p) => `/delete-property/ ${p};`),
);
const genNode = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.constantFrom(...GEN_NAMES).map((n) => `/delete-node/ ${n};`),
    fc
      .tuple(genLabel, fc.boolean(), fc.constantFrom(...GEN_NAMES), fc.array(genProp, { maxLength: 3 }), fc.array(tie('node'), { maxLength: 3 }))
      .map(([l, omit, n, ps, cs]) => `${omit ? '/omit-if-no-ref/ ' : ''}${l}${n} { ${ps.join(' ')} ${cs.join(' ')} };`),
  ),
})).node;
const genBody = fc.tuple(fc.array(genProp, { maxLength: 3 }), fc.array(genNode, { maxLength: 4 })).map(([ps, ns]) => `{ ${ps.join(' ')} ${ns.join(' ')} };`);
const genRef = fc.oneof(fc.constantFrom(...GEN_LABELS).map((l) => `&${l}`), fc.constantFrom('&{/}', '&{/a}', '&{/a/b}', '&{/c@1}', '&{/b/d}'));
const genStatement = fc.oneof(
  genBody.map((b) => `/ ${b}`),
  fc.tuple(genRef, genBody).map(([r, b]) => `${r} ${b}`),
  fc.tuple(fc.constantFrom(...GEN_LABELS), genRef, genBody).map(([l, r, b]) => `${l}: ${r} ${b}`),
  // Not `/delete-node/ &{/}`: what dtc then does to a deleted root is up to the checks (omit_unused_nodes).
  genRef.filter((r) => r !== '&{/}').map((r) => `/delete-node/ ${r};`),
  genRef.map((r) => `/omit-if-no-ref/ ${r};`),
);

/**
 * Whole programs over a few names and labels: nested nodes, merges by path
 * and label, deletions and revivals, omit marks, value labels and
 * references, plain or /plugin/ — for differential runs against dtc.
 */
export const programArb: fc.Arbitrary<string> = fc
  .tuple(fc.boolean(), genBody, fc.array(genStatement, { maxLength: 6 }))
  .map(([plugin, body, statements]) => `/dts-v1/;\n${plugin ? '/plugin/;\n' : ''}/ ${body}\n${statements.join('\n')}\n`);

export function sampleGeneratedPrograms(count: number, seed: number): string[] {
  return fc.sample(programArb, { numRuns: count, seed });
}

/** Checks an accepted tree is walkable: parents linked, names set, values consistent. */
function walkTree(tree: DeviceTree): void {
  const work: Node[] = [tree.root];
  while (work.length) {
    const n = work.pop()!;
    for (const p of n.properties) {
      for (const m of p.value.markers) {
        if (m.offset < 0 || m.offset > p.value.bytes.length) throw new Error(`marker outside ${n.path}:${p.name}`);
      }
    }
    for (const c of n.children) {
      if (c.parent !== n) throw new Error(`broken parent link at ${c.name}`);
      work.push(c);
    }
  }
}

/**
 * Runs `numRuns` cases (mutated sources and generated expressions); throws
 * (with fast-check's seed and counterexample) on anything but a tree or an
 * FdtError.
 */
export function runDtsFuzz(numRuns: number, seed?: number, onCase?: (n: number) => void): { runs: number; errors: number; ok: number } {
  const corpus = findCorpus();
  const seeds = seedSources(corpus);
  const base = corpus ?? '/nonexistent-corpus';
  // Reads stay inside the corpus: a mutated /include/ may name anything.
  const readFile = (p: string): Uint8Array => {
    if (!corpus) throw new Error('ENOENT');
    return readFileSync(p);
  };
  let runs = 0;
  let errors = 0;
  let ok = 0;
  const caseArb = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.nat(seeds.length - 1), fc.array(dtsMutationArb, { minLength: 1, maxLength: 3 })).map(([i, ms]) => ({ name: seeds[i]!.name, text: ms.reduce(applyDtsMutation, seeds[i]!.text) })) },
    { weight: 1, arbitrary: expressionSourceArb.map((text) => ({ name: 'expr.dts', text })) },
    { weight: 1, arbitrary: programArb.map((text) => ({ name: 'program.dts', text })) },
  );
  fc.assert(
    fc.property(caseArb, ({ name, text }) => {
      runs++;
      onCase?.(runs);
      try {
        const tree = parseDts(Buffer.from(text, 'latin1'), { file: join(base, name), includeDirs: [join(base, 'search_dir')], readFile });
        walkTree(tree);
        ok++;
      } catch (e) {
        if (!(e instanceof FdtError)) throw e;
        if (!e.code || !e.message) throw new Error(`FdtError without code or message: ${String(e)}`);
        errors++;
      }
    }),
    { numRuns, seed, endOnFailure: true },
  );
  return { runs, errors, ok };
}
