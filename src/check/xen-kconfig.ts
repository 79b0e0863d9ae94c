/**
 * A Xen build's `.config` (Kconfig output) read as the build facts the
 * checker needs: which options are on, which schedulers are compiled in,
 * and the release its header names (`# Xen/arm 4.22.0 Configuration`).
 *
 * Absent options are decided explicitly, never guessed: a full `.config`
 * lists every option whose dependencies are met, so an option missing from
 * it is off — except options that later releases made configurable out of
 * something that was always built (see BUILT_IN_BEFORE_OPTION).
 */
import { basename } from 'node:path';
import { compareXenVersions } from '../model/version.js';
import { ALL_SCHEDULERS, type XenBuild } from './target.js';
import { XenConfigError } from './xen-config-error.js';

export interface KconfigFile {
  /** Option name without `CONFIG_` -> value as written (`y`, `"credit2"`, `0x9000000`); `n` for `# CONFIG_X is not set`. */
  options: Map<string, string>;
  /** 1-based line of each option, for messages. */
  lines: Map<string, number>;
  /** The full release from the header (`4.22.0`), when there is one. */
  release?: string;
  /** `arm`, `x86` ... from the header. */
  arch?: string;
}

const SET = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const UNSET = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;
const HEADER = /^# Xen\/(\w+) (\d+\.\d+(?:\.\d+)?\S*) Configuration$/;

/** Parse `.config` text (a full config or a fragment); a line that is neither option, comment nor blank is an error. */
export function parseKconfig(text: string, file: string): KconfigFile {
  const options = new Map<string, string>();
  const lines = new Map<string, number>();
  let release: string | undefined;
  let arch: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const set = SET.exec(line);
    const unset = UNSET.exec(line);
    const header = HEADER.exec(line);
    if (set || unset) {
      const [, name, value] = (set ?? unset)!;
      options.set(name!, set ? value! : 'n');
      lines.set(name!, i + 1);
    } else if (header) {
      arch = header[1];
      release = header[2];
    } else if (line !== '' && !line.startsWith('#')) {
      throw new XenConfigError('KCONFIG_SYNTAX', `not a Kconfig line: ${line.length > 60 ? `${line.slice(0, 60)}...` : line}`, {
        file, line: i + 1, hint: 'give the .config of a Xen build (xen/.config after make), not another file',
      });
    }
  });
  return { options, lines, release, arch };
}

/** Whether the option is on (`y`, or `m` though Xen has no modules). */
export function kconfigOn(cfg: KconfigFile, name: string): boolean {
  const v = cfg.options.get(name);
  return v === 'y' || v === 'm';
}

export interface LostOption {
  name: string;
  wanted: string;
  /** What olddefconfig left: a value, `n`, or undefined when the option is not in the result at all. */
  got?: string;
}

/** Fragment lines the final `.config` does not keep (Kconfig drops what it cannot satisfy, silently). */
export function lostOptions(fragment: KconfigFile, result: KconfigFile): LostOption[] {
  const lost: LostOption[] = [];
  for (const [name, wanted] of fragment.options) {
    const got = result.options.get(name);
    // "is not set" is kept by an absent option too: both mean off.
    if (wanted === 'n' ? got === undefined || got === 'n' : got === wanted) continue;
    lost.push({ name, wanted, got });
  }
  return lost;
}

/**
 * Options a later release carved out of code that older releases always
 * built, with `default y`: when the option is not in an Arm `.config` at all
 * (neither `=y` nor `is not set`), the release predates it and has the feature.
 * In 4.22, DOM0LESS_BOOT depends only on what every Arm build selects, so an
 * Arm `.config` that has the option lists it; STATIC_EVTCHN follows DOM0LESS_BOOT.
 */
const BUILT_IN_BEFORE_OPTION = ['DOM0LESS_BOOT', 'STATIC_EVTCHN'] as const;

/** Release `4.22.0` -> `4.22`. */
function releaseVersion(release: string): string {
  const [major, minor] = release.split('.');
  return `${major}.${minor}`;
}

export interface FromKconfigOptions {
  /** `--xen VERSION`: must agree with the header when both are there. */
  version?: string;
  /** Where `version` came from, for the mismatch message (default `--xen VERSION`). */
  versionSource?: string;
  /** The `.config` file name, for labels and errors. */
  file: string;
}

/** The build facts of a `.config`. */
export function xenBuildFromKconfig(cfg: KconfigFile, opts: FromKconfigOptions): XenBuild {
  const fromHeader = cfg.release ? releaseVersion(cfg.release) : undefined;
  if (opts.version && fromHeader && compareXenVersions(opts.version, fromHeader) !== 0) {
    throw new XenConfigError('XEN_VERSION_MISMATCH', `${opts.versionSource ?? `--xen ${opts.version}`} says Xen ${opts.version}, but ${opts.file} is the .config of Xen ${cfg.release}`, {
      file: opts.file, hint: 'give the .config of the same build (or leave out --xen: the .config names its release)',
    });
  }
  const version = opts.version ?? fromHeader;
  if (!version) {
    throw new XenConfigError('XEN_VERSION_UNKNOWN', `${opts.file} has no "# Xen/<arch> <version> Configuration" header`, {
      file: opts.file, hint: 'add --xen VERSION (e.g. --xen 4.22), or give the .config as the Xen build wrote it',
    });
  }
  if (!cfg.options.has('ARM_64') && !cfg.options.has('X86_64') && !cfg.options.has('ARM_32')) {
    throw new XenConfigError('KCONFIG_NOT_XEN', `${opts.file} names no architecture (no CONFIG_ARM_64 or CONFIG_X86_64): not a Xen build's .config`, {
      file: opts.file, hint: "give the xen/.config of the build, not a fragment",
    });
  }
  const kconfig = new Set([...cfg.options.keys()].filter((k) => kconfigOn(cfg, k)));
  if (cfg.arch === 'arm' || kconfigOn(cfg, 'ARM_64')) {
    for (const o of BUILT_IN_BEFORE_OPTION) if (!cfg.options.has(o) && !cfg.options.has('DOM0LESS_BOOT')) kconfig.add(o);
  }
  const schedulers = ALL_SCHEDULERS.filter((s) => kconfig.has(`SCHED_${s.toUpperCase()}`));
  return { version, label: `${cfg.release ?? version} (${basename(opts.file)})`, kconfig, schedulers };
}
