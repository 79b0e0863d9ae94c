/**
 * The checker: read a boot configuration like Xen would, run every rule
 * that applies to the target, and return findings. A configuration the
 * reader refuses is a finding too (same shape), never an exception.
 */
import type { BootConfigCode } from '../model/codes.js';
import { readBootConfig } from '../bindings/boot-config.js';
import { readPartialDeviceTree } from '../bindings/partial-device-tree.js';
import type { DtcCheckDiagnostic } from '../fdt/checks/dtc-checks.js';
import { runDtc } from '../fdt/dtc.js';
import { FdtError } from '../fdt/errors.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import { BootConfigError, type BootConfigWarning } from '../model/errors.js';
import { compareXenVersions } from '../model/version.js';
import type { CheckContext, PartialInput, XsmPolicyInput } from './context.js';
import { type Finding, sortFindings } from './finding.js';
import { type HostFacts, hostFacts, ramKnown, withRam } from './host-facts.js';
import { type NotEvaluated, notEvaluated } from './not-evaluated.js';
import type { MemoryBank } from '../model/memory.js';
import { CONFIG_NOTE_RULE, CONFIG_READ_RULE, RULES } from './rules/index.js';
import { type Rule, messageFor } from './rule.js';
import type { XenBuild } from './target.js';
import { type X86CheckFacts, impliesX86 } from './x86-target.js';
import type { Architecture } from '../model/target.js';

export interface BootCheckOptions {
  /** Input name, for findings without a source position. */
  file?: string;
  /** The board's tree (`--host`); default: the host part of the input tree. */
  host?: DeviceTree;
  hostName?: string;
  /** RAM banks standing in for the host tree's (`--ram`, MEMORY_START/MEMORY_END): for boards whose firmware fills /memory at boot. */
  ram?: readonly MemoryBank[];
  build?: XenBuild;
  /** Partial device trees by domain name. */
  partials?: ReadonlyMap<string, PartialInput>;
  /**
   * Lay the modules out again on the host's RAM before the rules run
   * (`check --place`: what build does for a board; src/artifacts gives it,
   * a layer above this one). Not called when the host's RAM is unknown.
   */
  place?: (model: BootModel, host: HostFacts) => BootModel;
  /** Rules to run (default: all). */
  rules?: readonly Rule[];
  /** The architecture checked for; unset: x86 when the configuration implies it. */
  arch?: Architecture;
  /** What the x86 rules know beyond the configuration (host, late launch, kernel files). */
  x86?: X86CheckFacts;
  /** A FLASK policy source (`--xsm-policy`) for the xsm rules that read one. */
  xsmPolicy?: XsmPolicyInput;
}

export interface BootCheckResult {
  findings: Finding[];
  model?: BootModel;
  /** Rules that did not run for lack of host facts, and why (check prints them as notes). */
  notEvaluated?: NotEvaluated[];
}

function applies(rule: Rule, build: XenBuild | undefined): boolean {
  if (!build) return rule.needs !== 'target' && rule.needs !== 'build';
  if (rule.needs === 'build' && !build.kconfig) return false;
  if (rule.since === 'unreleased') return false;
  if (rule.since && compareXenVersions(rule.since, build.version) > 0) return false;
  if (rule.until && compareXenVersions(rule.until, build.version) < 0) return false;
  return true;
}

/** The rule a reader error or warning stands for. */
function ruleForCode(code: BootConfigCode, path: string | undefined, rules: readonly Rule[], fallback: Rule): Rule {
  const prop = path?.includes(':') ? path.slice(path.lastIndexOf(':') + 1) : undefined;
  const byCode = rules.filter((r) => r.readerCodes?.includes(code));
  return byCode.find((r) => r.readerProperty !== undefined && r.readerProperty === prop) ?? byCode.find((r) => r.readerProperty === undefined) ?? fallback;
}

function fromReader(e: BootConfigError | BootConfigWarning, severity: 'error' | 'warning', rules: readonly Rule[], file: string | undefined): Finding {
  const rule = ruleForCode(e.code, e.path, rules, severity === 'error' ? CONFIG_READ_RULE : CONFIG_NOTE_RULE);
  return { ruleId: rule.id, severity: rule === CONFIG_READ_RULE || rule === CONFIG_NOTE_RULE ? severity : rule.severity, message: e.message, path: e.path, position: e.position, file: e.file ?? file, hint: e.hint ?? rule.hint };
}

/** The host facts the rules see: the `--host` tree's (else the input's own host nodes), with `--ram` in place of its RAM. */
export function modelHostFacts(model: BootModel, opts: BootCheckOptions): HostFacts | undefined {
  const hostTree = opts.host ?? model.host;
  const facts = hostTree ? hostFacts(hostTree, opts.host ? (opts.hostName ?? 'the host DTB') : 'the input tree') : undefined;
  return facts && withRam(facts, opts.ram ?? []);
}

function checksX86(model: BootModel, opts: BootCheckOptions): boolean {
  return opts.arch === 'x86_64' || (opts.arch === undefined && impliesX86(model));
}

/** Run the rules over a model. */
export function checkModel(model: BootModel, opts: BootCheckOptions & { tree?: DeviceTree } = {}): Finding[] {
  const host = modelHostFacts(model, opts);
  const x86 = checksX86(model, opts);
  const ctx: CheckContext = { model, tree: opts.tree, host, build: opts.build, partials: opts.partials ?? new Map(), x86: x86 ? (opts.x86 ?? {}) : undefined, xsmPolicy: opts.xsmPolicy };
  const out: Finding[] = [];
  for (const rule of opts.rules ?? RULES) {
    if (!rule.check || !applies(rule, opts.build)) continue;
    if (rule.needs === 'host' && !host) continue;
    if (rule.needs === 'xsm-policy' && !opts.xsmPolicy) continue;
    rule.check(ctx, (where, message, hint) => {
      const finding: Finding = { ruleId: rule.id, severity: rule.severity, message, path: where.path, position: where.position, file: where.position ? undefined : (where.file ?? opts.file), hint: hint ?? rule.hint };
      const xen = messageFor(rule, opts.build?.version).text;
      if (xen !== rule.xenMessage) finding.xenMessage = xen;
      out.push(finding);
    });
  }
  return out;
}

/** Read a tree (as from runDtc or readDtb) and check it. */
export function checkTree(tree: DeviceTree, opts: BootCheckOptions = {}): BootCheckResult {
  const warnings: BootConfigWarning[] = [];
  const errors: BootConfigError[] = [];
  const rules = opts.rules ?? RULES;
  let model: BootModel | undefined;
  try {
    // The sink lets the reader go past a bad domain or module, so every independent error is found in one run.
    model = readBootConfig(tree, { file: opts.file, warnings, onProblem: (e) => errors.push(e) });
  } catch (e) {
    if (!(e instanceof BootConfigError)) throw e;
    errors.push(e.inFile(opts.file));
  }
  if (errors.length > 0 || !model) {
    // The rules do not run on a model the reader left parts out of; a warning on the way to an error says the same thing.
    const paths = new Set(errors.map((e) => e.path));
    const others = warnings.filter((w) => !paths.has(w.path));
    return { findings: sortFindings([...errors.map((e) => fromReader(e, 'error', rules, opts.file)), ...others.map((w) => fromReader(w, 'warning', rules, opts.file))]) };
  }
  const host = opts.place ? modelHostFacts(model, opts) : undefined;
  const checked = host && ramKnown(host) ? opts.place!(model, host) : model;
  const findings = [...warnings.map((w) => fromReader(w, 'warning', rules, opts.file)), ...checkModel(checked, { ...opts, tree })];
  const skipped = checksX86(model, opts) ? [] : notEvaluated(modelHostFacts(model, opts), rules);
  return { findings: sortFindings(dedupe(findings)), model, ...(skipped.length ? { notEvaluated: skipped } : {}) };
}

/** One finding per rule and place: two rules may see the same fault from two sides, but a rule says it once. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\0${f.path}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface SourceOptions extends BootCheckOptions {
  includeDirs?: string[];
}

/** Compile (DTS) or read (DTB) bytes as dtc does, then check. A tree that does not compile is one finding. */
export function checkSource(input: Uint8Array, opts: SourceOptions = {}): BootCheckResult {
  const compiled = compileTree(input, opts.file, opts.includeDirs);
  if ('findings' in compiled) return { findings: compiled.findings };
  const result = checkTree(compiled.tree, opts);
  return compiled.dtcErrors.length ? { ...result, findings: sortFindings([...compiled.dtcErrors, ...result.findings]) } : result;
}

/** dtc's own check errors as findings: dtc 1.6.1 refuses to write such a DTB, so it never reaches Xen. */
function dtcCheckErrors(diagnostics: readonly DtcCheckDiagnostic[], file: string | undefined): Finding[] {
  return diagnostics.filter((d) => d.severity === 'error').map((d) => ({
    ruleId: CONFIG_READ_RULE.id, severity: 'error', message: `dtc check ${d.check}: ${d.message}`, path: d.path && d.property ? `${d.path}:${d.property}` : d.path, position: d.position, file: d.position ? undefined : file,
    hint: 'dtc refuses to compile this tree; fix it (or force the output with dtc -f)',
  }));
}

/** A DTS or DTB as a tree (with dtc's check errors), or the findings saying why not. */
export function compileTree(input: Uint8Array, file: string | undefined, includeDirs: string[] = []): { tree: DeviceTree; dtcErrors: Finding[] } | { findings: Finding[] } {
  // -f: keep the tree when dtc's checks fail, so their errors and the rules' findings come together.
  const result = runDtc(input, { file, includeDirs, outputFormat: 'dtb', force: true });
  const dtcErrors = dtcCheckErrors(result.diagnostics, file);
  if (result.tree && !result.error) return { tree: result.tree, dtcErrors };
  const e = result.error ?? new FdtError('DTC_FAILED', result.messages.join('; ') || 'dtc failed', {});
  const dtb = input.length >= 4 && input[0] === 0xd0 && input[1] === 0x0d && input[2] === 0xfe && input[3] === 0xed;
  const rule = dtb ? 'fdt-header' : CONFIG_READ_RULE.id;
  return { findings: [...dtcErrors, { ruleId: rule, severity: 'error', message: e.message, path: e.path, position: e.position, file, hint: e.hint ?? (dtb ? 'rebuild the DTB with dtc; check it was not truncated' : undefined) }] };
}

/** A partial device tree blob or source for `domain`. */
export function readPartialInput(input: Uint8Array, file: string, includeDirs: string[] = []): PartialInput | Finding {
  const compiled = compileTree(input, file, includeDirs);
  if ('findings' in compiled) return compiled.findings.at(-1)!;
  if (compiled.dtcErrors.length) return compiled.dtcErrors[0]!;
  try {
    return { tree: compiled.tree, devices: readPartialDeviceTree(compiled.tree, { file }), file };
  } catch (e) {
    if (!(e instanceof BootConfigError)) throw e;
    return fromReader(e.inFile(file), 'error', RULES, file);
  }
}
