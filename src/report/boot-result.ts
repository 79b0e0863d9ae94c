/**
 * The JSON `hyperlaunch qemu --json` prints, read as data. src/report sits
 * below src/qemu, so the shape is declared here structurally (the fields
 * the page uses) and every value is checked before it is trusted.
 */
import { readFileSync } from 'node:fs';
import { ReportError } from './report-error.js';

export type BootStageName = 'none' | 'created' | 'kernel' | 'userspace' | 'alive';
const STAGES: readonly string[] = ['none', 'created', 'kernel', 'userspace', 'alive'];

export interface BootDomainResult {
  name: string;
  domid?: number;
  stage: BootStageName;
  passed: boolean;
  detail: string;
  /** Seconds from QEMU's start at which the domain reached its stage (its proof line arrived), when the run was timed. */
  stageSeconds?: number;
}

export interface BootResult {
  route: string;
  passed: boolean;
  /** The whole run, QEMU start to verdict. */
  seconds: number;
  xenVersion?: string;
  domains: BootDomainResult[];
}

function shapeError(file: string, what: string): ReportError {
  return new ReportError('BOOT_RESULT_SHAPE', `${file}: ${what}`, { file });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function domainOf(v: unknown, i: number, file: string): BootDomainResult {
  if (!isObject(v)) throw shapeError(file, `domains[${i}] is not an object`);
  if (typeof v['name'] !== 'string') throw shapeError(file, `domains[${i}] has no name`);
  if (typeof v['stage'] !== 'string' || !STAGES.includes(v['stage'])) throw shapeError(file, `domains[${i}] (${v['name']}): stage is not one of ${STAGES.join(', ')}`);
  const domid = typeof v['domid'] === 'number' && Number.isInteger(v['domid']) ? v['domid'] : undefined;
  const proof = v['proof'];
  const at = isObject(proof) && typeof proof['seconds'] === 'number' && proof['seconds'] >= 0 ? proof['seconds'] : undefined;
  return {
    name: v['name'],
    domid,
    stage: v['stage'] as BootStageName,
    passed: v['passed'] === true,
    detail: typeof v['detail'] === 'string' ? v['detail'] : '',
    ...(at !== undefined ? { stageSeconds: at } : {}),
  };
}

/** A qemu result from its JSON text; throws ReportError (BOOT_RESULT_JSON, BOOT_RESULT_SHAPE). */
export function parseBootResult(text: string, file: string): BootResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportError('BOOT_RESULT_JSON', `${file}: not JSON (${(e as Error).message})`, { file });
  }
  if (!isObject(v)) throw shapeError(file, 'not a JSON object');
  if (!Array.isArray(v['domains'])) throw shapeError(file, 'no "domains" list');
  if (typeof v['seconds'] !== 'number' || !(v['seconds'] >= 0)) throw shapeError(file, 'no "seconds" (the run time)');
  return {
    route: typeof v['route'] === 'string' ? v['route'] : 'unknown',
    passed: v['passed'] === true,
    seconds: v['seconds'],
    xenVersion: typeof v['xenVersion'] === 'string' ? v['xenVersion'] : undefined,
    domains: v['domains'].map((d, i) => domainOf(d, i, file)),
  };
}

/** Read and parse a qemu result file; throws ReportError. */
export function readBootResult(file: string): BootResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportError('BOOT_RESULT_READ', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  return parseBootResult(text, file);
}
