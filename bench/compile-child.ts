/**
 * One measured compile in a fresh process, for the bench's memory and
 * linearity figures: `node dist/bench/compile-child.js <file.dts | ->`.
 * Prints one JSON line: CPU of the compile alone, peak RSS of the process
 * (process.resourceUsage().maxRSS, KiB), the input size and the output size.
 * With `-` it only loads the library: the node + library baseline RSS.
 */
import { readFileSync } from 'node:fs';
import { runDtc } from '../src/fdt/dtc.js';

function main(arg: string | undefined): void {
  if (!arg) {
    console.error('usage: compile-child <file.dts | ->');
    process.exit(2);
  }
  let cpuMs = 0;
  let inBytes = 0;
  let outBytes = 0;
  if (arg !== '-') {
    const input = readFileSync(arg);
    inBytes = input.length;
    const u0 = process.cpuUsage();
    const r = runDtc(input, { inputFormat: 'dts', outputFormat: 'dtb', file: arg });
    const u = process.cpuUsage(u0);
    cpuMs = (u.user + u.system) / 1000;
    if (r.exitCode !== 0 || !r.output) {
      console.error(r.messages.join('\n'));
      process.exit(1);
    }
    outBytes = r.output.length;
  } else {
    // Touch the entry point so the baseline has the library compiled as the real run does.
    runDtc(Buffer.from('/dts-v1/;\n/ { };\n'), { inputFormat: 'dts', outputFormat: 'dtb' });
  }
  console.log(JSON.stringify({ cpuMs, maxRssKiB: process.resourceUsage().maxRSS, inBytes, outBytes }));
}

main(process.argv[2]);
