/**
 * `npm run fuzz [-- --runs N --seed S --only dtb|dts]`: runs the DTB and DTS
 * fuzzers (N cases in total, split evenly; default 100,000), prints the
 * counts, and exits 1 on any crash with the seed and the command that
 * reproduces it. Lives outside `npm test` because of its length.
 */
import { runDtbFuzz } from './dtb-fuzz.js';
import { runDtsFuzz } from './dts-fuzz.js';

interface FuzzSummary {
  runs: number;
  errors: number;
  ok: number;
}

interface Fuzzer {
  id: 'dtb' | 'dts';
  run: (numRuns: number, seed?: number) => FuzzSummary;
}

const FUZZERS: Fuzzer[] = [
  { id: 'dtb', run: runDtbFuzz },
  { id: 'dts', run: runDtsFuzz },
];

interface Args {
  runs: number;
  seed: number;
  only?: string;
}

function usage(msg: string): never {
  console.error(`fuzz: ${msg}\nusage: npm run fuzz -- [--runs N] [--seed S] [--only dtb|dts]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 100_000, seed: Date.now() % 0x7fffffff };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === '--runs' || flag === '--seed') {
      const n = Number(value);
      if (value === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${flag} needs a non-negative integer`);
      if (flag === '--runs') args.runs = n;
      else args.seed = n;
      i++;
    } else if (flag === '--only') {
      if (!FUZZERS.some((f) => f.id === value)) usage('--only takes dtb or dts');
      args.only = value;
      i++;
    } else usage(`unknown argument ${flag}`);
  }
  return args;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const chosen = FUZZERS.filter((f) => !args.only || f.id === args.only);
  console.log(`fuzz: ${args.runs} cases over ${chosen.map((f) => f.id).join(' + ')}, seed ${args.seed}`);
  let total = 0;
  for (const [k, f] of chosen.entries()) {
    // Even split; the first fuzzer takes the odd case.
    const runs = Math.floor(args.runs / chosen.length) + (k < args.runs % chosen.length ? 1 : 0);
    const start = performance.now();
    let summary: FuzzSummary;
    try {
      summary = f.run(runs, args.seed);
    } catch (e) {
      console.error(`fuzz: CRASH in the ${f.id} fuzzer (seed ${args.seed}, ${runs} runs)`);
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      console.error(`reproduce: npm run fuzz -- --only ${f.id} --runs ${runs} --seed ${args.seed}`);
      process.exit(1);
    }
    const secs = (performance.now() - start) / 1000;
    total += summary.runs;
    console.log(
      `fuzz ${f.id}: ${summary.runs} cases, ${summary.ok} accepted, ${summary.errors} rejected with FdtError, 0 crashes (${secs.toFixed(1)} s)`,
    );
  }
  console.log(`fuzz: ${total} cases in total, no crash`);
}

main();
