/** Physical memory ranges. Sizes and addresses are bigint: they routinely exceed 2^53. */
export interface MemoryBank {
  address: bigint;
  size: bigint;
}

export function totalSize(banks: readonly MemoryBank[]): bigint {
  return banks.reduce((sum, b) => sum + b.size, 0n);
}

export const KIB = 1024n;
