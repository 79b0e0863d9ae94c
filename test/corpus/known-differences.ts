/**
 * Corpus files where ours still differs from dtc/fdtoverlay because of a
 * known remaining bug, keyed by comparison, each with its reason. The corpus
 * tests assert every other file is identical and report entries that have
 * become identical so they can be removed. Keep this list short and honest.
 */
export const KNOWN_DIFFERENCES = {
  /** printDts(readDtb(x)) vs `dtc -I dtb -O dts x` (kernel image DTBs). */
  dtbToDts: new Map<string, string>(),
  /** runDtc(dtc's dts text) vs `dtc -I dts -O dtb` of it. */
  dtsToDtb: new Map<string, string>(),
  /** runDtc(x, dtb→dtb) vs `dtc -I dtb -O dtb x`. */
  dtbToDtb: new Map<string, string>(),
  /** runDtc(kernel .pp.dts) vs dtc with the kernel's flags. */
  kernelSources: new Map<string, string>(),
  /** applyOverlays vs fdtoverlay on the composites. */
  overlayComposites: new Map<string, string>(),
};
