#!/usr/bin/env node
// Writes docs/img/report-NAME.png: the `hyperlaunch report` page of three
// examples, opened from disk in Debian's headless Chromium through the
// browser tests' own launcher (test/support/browser.ts), 1200 px wide, the
// whole page. Run after `npm run build`; each PNG is written to a temp file
// and renamed. Exits 1 if a page fetched anything but itself.
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { browserMissing, launchBrowser, openFile } from '../dist/test/support/browser.js';

const EXAMPLES = ['qemu-dom0less', 'static-shm-evtchn', 'boot-cpupools'];
const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'docs', 'img');

const missing = browserMissing();
if (missing) {
  console.error(`report-screenshots: ${missing}`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'hl-screenshots-'));
const browser = await launchBrowser({ skip: () => {} });
let status = 0;
try {
  for (const name of EXAMPLES) {
    const html = join(work, `${name}.html`);
    // Relative paths from the repository: the page's title names the input as a user would.
    const r = spawnSync(process.execPath, ['bin/hyperlaunch.js', 'report', '-i', 'examples', `examples/${name}.dts`, '-o', html], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`report ${name} exited ${r.status}: ${r.stderr}`);
    const opened = await openFile(browser, html, 1200);
    const png = join(outDir, `report-${name}.png`);
    const tmp = `${png}.tmp-${process.pid}`;
    await opened.page.screenshot({ fullPage: true, path: tmp, type: 'png' });
    renameSync(tmp, png);
    if (opened.leaving().length) {
      console.error(`${name}: the page asked for ${opened.leaving().join(', ')}`);
      status = 1;
    }
    await opened.page.context().close();
    console.log(`docs/img/report-${name}.png`);
  }
} finally {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(status);
