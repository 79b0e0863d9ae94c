/** `hyperlaunch fdtoverlay`: fdtoverlay's command line over the library. */
import { readFileSync } from 'node:fs';
import { FdtError } from '../fdt/errors.js';
import { applyOverlays } from '../fdt/fdtoverlay.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { writeOutput } from './output-file.js';
import { createReporter, printUsageError } from './report.js';

const SPECS: OptionSpec[] = [
  { short: 'i', long: 'input', value: true, key: 'i' },
  { short: 'o', long: 'output', value: true, key: 'o' },
  { short: 'v', long: 'verbose', value: false, key: 'v' },
  { short: 'h', long: 'help', value: false, key: 'h' },
  { long: 'json', value: false, key: 'json' },
];

export const FDTOVERLAY_USAGE = `usage: hyperlaunch fdtoverlay -i <base.dtb> -o <out.dtb> <overlay.dtbo>...
  -i, --input <file>    base blob
  -o, --output <file>   output blob
  -v, --verbose         say what is applied
      --json            errors as JSON objects, one per line
Exit status: 0 ok, 1 input error, 2 usage error.
`;

function readBlob(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FdtError('FILE_READ', `Failed to read '${path}': ${(e as Error).message}`, { path, hint: 'check the file path' });
  }
}

export async function fdtoverlayCommand(argv: string[]): Promise<number> {
  let base: string | undefined;
  let out: string | undefined;
  let verbose = false;
  let json = false;
  let overlays: string[];
  try {
    const parsed = getopt(argv, SPECS);
    for (const { key, value } of parsed.options) {
      if (key === 'h') {
        process.stdout.write(FDTOVERLAY_USAGE);
        return 0;
      }
      if (key === 'i') base = value;
      else if (key === 'o') out = value;
      else if (key === 'v') verbose = true;
      else if (key === 'json') json = true;
    }
    overlays = parsed.positionals;
    if (!base) throw new UsageError('missing input file (-i)');
    if (!out) throw new UsageError('missing output file (-o)');
    if (overlays.length === 0) throw new UsageError('missing overlay file(s)');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('fdtoverlay', e.message, FDTOVERLAY_USAGE);
    return 2;
  }
  const reporter = createReporter(json);
  let current = base;
  try {
    const blobs = overlays.map((o) => readBlob(o));
    const baseBlob = readBlob(base);
    current = overlays.join(', ');
    const result = applyOverlays(baseBlob, blobs, overlays);
    if (verbose) reporter.note(`applied ${overlays.length} overlay(s) to ${base}`);
    writeOutput(out, result, [base, ...overlays]);
    return 0;
  } catch (e) {
    if (e instanceof FdtError) {
      reporter.error(e, current);
      return 1;
    }
    if (e instanceof UsageError) {
      printUsageError('fdtoverlay', e.message);
      return 2;
    }
    throw e;
  }
}
