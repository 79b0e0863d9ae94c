/** Whether an external tool (an oracle: dtc, mkimage, QEMU...) runs here. */
import { execFileSync } from 'node:child_process';
import { type Skippable, skipNotice } from './skip.js';

/** The reason to print when `tool` is not installed, or undefined when it runs. */
export function toolMissing(tool: string, args: string[] = ['--version']): string | undefined {
  try {
    execFileSync(tool, args, { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return err.code === 'ENOENT' ? `${tool}: not installed (scripts/install-test-deps.sh installs it)` : undefined;
  }
}

/** Whether `tool` runs; the running test is skipped, with a printed notice, when not. */
export function needTool(t: Skippable, tool: string, args?: string[]): boolean {
  return needTools(t, [tool], args);
}

/** Whether every tool runs (each asked with the same `args`); one notice names all that do not. */
export function needTools(t: Skippable, tools: string[], args?: string[]): boolean {
  const missing = tools.filter((tool) => toolMissing(tool, args) !== undefined);
  if (missing.length > 0) skipNotice(t, missing.join(', '), 'not installed (scripts/install-test-deps.sh installs it)');
  return missing.length === 0;
}
