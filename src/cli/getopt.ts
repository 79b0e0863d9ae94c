/**
 * POSIX getopt-style parsing, because the `dtc` and `fdtoverlay` commands
 * must accept the same spellings as the real tools: grouped flags (`-qq`),
 * attached values (`-Wno-foo`, `-ofile`), `--` and long options.
 */
import type { DiagnosticLocation } from '../diagnostics/diagnostic.js';
import { HyperlaunchError } from '../diagnostics/hyperlaunch-error.js';

export interface OptionSpec {
  /** Short letter, e.g. 'o'. */
  short?: string;
  /** Long name without dashes, e.g. 'out'. */
  long?: string;
  /** Whether the option takes a value. */
  value: boolean;
  /** Key the parsed occurrence is reported under. */
  key: string;
}

export interface ParsedOption {
  key: string;
  value?: string;
}

export interface ParsedArgs {
  options: ParsedOption[];
  positionals: string[];
}

/** A bad command line: exit code 2, printed as the tool's own usage complaint. */
export class UsageError extends HyperlaunchError {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
  override readonly hint?: string;

  protected diagnosticLocation(): DiagnosticLocation {
    return {};
  }
}

function takeValue(argv: string[], i: number, name: string): string {
  const v = argv[i];
  if (v === undefined) throw new UsageError(`option '${name}' requires an argument`);
  return v;
}

export function getopt(argv: string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options: ParsedOption[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = specs.find((s) => s.long === name);
      if (!spec) throw new UsageError(`unknown option '--${name}'`);
      if (!spec.value) {
        if (eq >= 0) throw new UsageError(`option '--${name}' takes no argument`);
        options.push({ key: spec.key });
      } else if (eq >= 0) {
        options.push({ key: spec.key, value: arg.slice(eq + 1) });
      } else {
        options.push({ key: spec.key, value: takeValue(argv, ++i, `--${name}`) });
      }
      continue;
    }
    if (arg.length > 1 && arg.startsWith('-')) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!;
        const spec = specs.find((s) => s.short === letter);
        if (!spec) throw new UsageError(`invalid option -- '${letter}'`);
        if (!spec.value) {
          options.push({ key: spec.key });
          continue;
        }
        const rest = arg.slice(j + 1);
        options.push({ key: spec.key, value: rest !== '' ? rest : takeValue(argv, ++i, `-${letter}`) });
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { options, positionals };
}

/** strtol(s, NULL, 0)-like integer parsing: decimal, 0x hex, leading-0 octal. */
export function parseCInteger(s: string, name: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) throw new UsageError(`invalid number '${s}' for ${name}`);
  const body = m[2]!;
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (body.length > 1 && body.startsWith('0')) v = parseInt(body.slice(1), 8);
  else v = parseInt(body, 10);
  return m[1] === '-' ? -v : v;
}
