/**
 * `--ram START:SIZE` (repeatable), shared by check, build and qemu: the RAM
 * banks of a board whose DTB leaves /memory to the firmware. START and SIZE
 * are numbers (0x.. or decimal); SIZE may end in K, M or G.
 */
import { overlappingPairs } from '../check/rules/support.js';
import type { MemoryBank } from '../model/memory.js';
import { type OptionSpec, type ParsedOption, UsageError } from './getopt.js';

export const RAM_OPTION_SPEC: OptionSpec = { long: 'ram', value: true, key: 'ram' };

export const RAM_USAGE = '--ram START:SIZE  a RAM bank of the board (repeatable; SIZE may end in K, M, G), for a DTB without /memory';

const SHIFT: Record<string, bigint> = { '': 0n, k: 10n, m: 20n, g: 30n };

function number(text: string, what: string, spec: string): bigint {
  const m = /^(0x[0-9a-f]+|\d+)([kmg]?)$/i.exec(text);
  if (!m) throw new UsageError(`--ram: ${what} of '${spec}' is not a number (0x40000000, 1073741824, 2G)`);
  return BigInt(m[1]!) << SHIFT[m[2]!.toLowerCase()]!;
}

export function parseRamBank(spec: string): MemoryBank {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`--ram expects START:SIZE, got '${spec}'`);
  const address = number(spec.slice(0, colon), 'START', spec);
  const size = number(spec.slice(colon + 1), 'SIZE', spec);
  if (size === 0n) throw new UsageError(`--ram: bank '${spec}' has size 0`);
  if (address + size > 1n << 64n) throw new UsageError(`--ram: bank '${spec}' ends beyond 2^64`);
  return { address, size };
}

/** Every `--ram` of a command line, in order; overlapping banks are a usage error. */
export function ramBanks(options: readonly ParsedOption[]): MemoryBank[] {
  const banks = options.filter((o) => o.key === 'ram').map((o) => parseRamBank(o.value!));
  const [pair] = overlappingPairs(banks);
  if (pair) {
    const at = pair[0].address > pair[1].address ? pair[0].address : pair[1].address;
    throw new UsageError(`--ram banks overlap at 0x${at.toString(16)}`);
  }
  return banks;
}
