/**
 * The properties of a `xen,domain` node, for both interfaces (reference
 * §1.3, §2.2, §2.3). `in` says which published binding defines each one;
 * `arm` marks the dom0less (Arm) vocabulary; `since` is the first Xen
 * release that reads it (reference §5; Hyperlaunch-only ones are in none).
 */
import { PropertyValue } from '../fdt/tree/data.js';
import type { Property } from '../fdt/tree/livetree.js';
import type { BootConfigCode } from '../model/codes.js';
import type { Domain, Enhanced } from '../model/domain.js';
import { BootConfigError } from '../model/errors.js';
import type { MemoryBank } from '../model/memory.js';
import {
  CAP_MASK,
  FUNCTION_XENSTORE,
  MODE_ENABLE_DM,
  MODE_LONG,
  MODE_PARAVIRT,
  PERMISSION_CONTROL,
  PERMISSION_HARDWARE,
  type DomainMode,
  capabilitiesFromBits,
  capabilityBits,
  functionBits,
  functionsFromBits,
  hasAnyFunction,
  modeBits,
} from '../model/roles.js';
import { encodeTuples } from './cells.js';
import { decodeStaticMem } from './static-mem-banks.js';
import { locate } from './locate.js';
import {
  KEEP,
  type PropCodec,
  type PropertyReadContext,
  constField,
  decodeEnum,
  decodeString,
  decodeU32,
  decodeU64,
  encodeEmpty,
  encodeU32,
  encodeU64,
  field,
  flagField,
  stringField,
  u32Field,
} from './property-codec.js';

const BOTH = ['dom0less', 'hyperlaunch'] as const;
const DOM0LESS = ['dom0less'] as const;
const HL = ['hyperlaunch'] as const;

function decodeCapabilities(p: Property, ctx: PropertyReadContext): number {
  const bits = decodeU32(p, ctx);
  if ((bits & ~CAP_MASK) === 0) return bits;
  if (ctx.iface === 'dom0less') {
    throw new BootConfigError('CAPS_INVALID', `${ctx.node.path}:capabilities = 0x${bits.toString(16)} has bits outside DOMAIN_CAPS_MASK (0x7); Xen panics "Invalid capabilities"`, locate(ctx.node, p, 'use 0x1 control, 0x2 hardware, 0x4 xenstore'));
  }
  ctx.warn({ code: 'CAPS_UNKNOWN_BITS', message: `${ctx.node.path}:capabilities = 0x${bits.toString(16)}: bits outside 0x7 are masked off by Xen`, ...locate(ctx.node, p) });
  return bits & CAP_MASK;
}

function decodeMode(p: Property, ctx: PropertyReadContext): DomainMode {
  const bits = decodeU32(p, ctx);
  if (bits & MODE_PARAVIRT && bits & MODE_ENABLE_DM) {
    throw new BootConfigError('MODE_INVALID', `${ctx.node.path}:mode = ${bits}: PV and device model both set; Xen fails "mode: invalid (pv+hvm)"`, locate(ctx.node, p, 'set bit 0 for PV, bit 1 for HVM, neither for PVH'));
  }
  if (bits & ~(MODE_PARAVIRT | MODE_ENABLE_DM | MODE_LONG)) {
    ctx.warn({ code: 'MODE_UNKNOWN_BITS', message: `${ctx.node.path}:mode = 0x${bits.toString(16)} has unknown bits; Xen ignores them`, ...locate(ctx.node, p) });
  }
  const guest = bits & MODE_PARAVIRT ? 'pv' : bits & MODE_ENABLE_DM ? 'hvm' : 'pvh';
  return bits & MODE_LONG ? { guest, longMode: true } : { guest };
}

function decodeSve(p: Property, ctx: PropertyReadContext): number | 'max' {
  return p.bytes.length === 0 ? 'max' : decodeU32(p, ctx);
}

function decodeTrap(p: Property, ctx: PropertyReadContext): number {
  const v = decodeU32(p, ctx);
  if (v > 1) throw new BootConfigError('TRAP_UNMAPPED_VALUE', `${ctx.node.path}:trap-unmapped-accesses = ${v}; Xen panics "supported values are 0 or 1"`, locate(ctx.node, p));
  return v;
}

function decodeEnhanced(p: Property, ctx: PropertyReadContext): Enhanced | typeof KEEP {
  if (p.bytes.length === 0) return 'enabled';
  return decodeEnum<Enhanced>(['enabled', 'legacy', 'disabled', 'no-xenstore'], 'Xen treats it as "disabled"')(p, ctx);
}

function decodeCpupool(p: Property, ctx: PropertyReadContext): string {
  const target = p.bytes.length === 4 ? ctx.target(p, 0) : undefined;
  const name = target && ctx.cpupoolOf(target);
  if (name === undefined) {
    throw new BootConfigError('CPUPOOL_REF', `${ctx.node.path}:domain-cpupool does not point to a xen,cpupool node; Xen panics "Error getting cpupool id from domain-cpupool"`, locate(ctx.node, p, 'use <&pool-label> of a /chosen node with compatible "xen,cpupool"'));
  }
  return name;
}

function decodeUuid(p: Property): string {
  return Array.from(p.bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function encodeUuid(hex: string): PropertyValue {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return new PropertyValue(bytes, [{ type: 'uint8', offset: 0 }]);
}

function setCap(d: Domain, bits: number, mask: number): void {
  const cur = d.capabilities ? capabilityBits(d.capabilities) : 0;
  d.capabilities = capabilitiesFromBits((cur & ~mask) | (bits & mask));
}

export const DOMAIN_CODECS: readonly PropCodec<Domain>[] = [
  constField<Domain>('compatible', ['xen,domain'], '4.12', BOTH),
  u32Field<Domain>('#address-cells', undefined, BOTH, (d) => d.addressCells, (d, v) => (d.addressCells = v), false),
  u32Field<Domain>('#size-cells', undefined, BOTH, (d) => d.sizeCells, (d, v) => (d.sizeCells = v), false),
  u32Field<Domain>('domid', undefined, HL, (d) => d.domid, (d, v) => (d.domid = v), false),
  field<Domain, number>({
    name: 'capabilities', since: '4.21', in: BOTH,
    get: (d) => (d.capabilities ? capabilityBits(d.capabilities) : undefined),
    set: (d, v) => setCap(d, v, CAP_MASK),
    decode: decodeCapabilities, encode: encodeU32,
  }),
  // Design document only; the writers express these as capabilities.
  field<Domain, number>({
    name: 'permissions', in: HL, get: () => undefined,
    set: (d, v) => setCap(d, v, PERMISSION_CONTROL | PERMISSION_HARDWARE),
    decode: decodeU32, encode: encodeU32,
  }),
  field<Domain, number>({
    name: 'functions', in: HL,
    get: (d) => (d.functions && hasAnyFunction(d.functions) ? (functionBits(d.functions) | (d.capabilities?.xenstore ? FUNCTION_XENSTORE : 0)) >>> 0 : undefined),
    set: (d, v) => {
      d.functions = functionsFromBits(v);
      if (v & FUNCTION_XENSTORE) setCap(d, 0x4, 0x4);
    },
    decode: decodeU32, encode: encodeU32,
  }),
  field<Domain, DomainMode>({ name: 'mode', in: HL, get: (d) => d.mode, set: (d, v) => (d.mode = v), decode: decodeMode, encode: (m) => encodeU32(modeBits(m)) }),
  field<Domain, string>({ name: 'domain-uuid', in: HL, get: (d) => d.uuid, set: (d, v) => (d.uuid = v), decode: decodeUuid, encode: encodeUuid }),
  stringField<Domain>('security-id', undefined, HL, (d) => d.securityId, (d, v) => (d.securityId = v), false),
  field<Domain, bigint>({ name: 'memory', since: '4.12', in: BOTH, get: (d) => d.memoryKiB, set: (d, v) => (d.memoryKiB = v), decode: decodeU64, encode: encodeU64 }),
  field<Domain, bigint>({ name: 'mem-min', in: HL, get: (d) => d.memoryMinKiB, set: (d, v) => (d.memoryMinKiB = v), decode: decodeU64, encode: encodeU64 }),
  field<Domain, bigint>({ name: 'mem-max', in: HL, get: (d) => d.memoryMaxKiB, set: (d, v) => (d.memoryMaxKiB = v), decode: decodeU64, encode: encodeU64 }),
  u32Field<Domain>('cpus', '4.12', BOTH, (d) => d.vcpus, (d, v) => (d.vcpus = v), false),
  flagField<Domain>('vpl011', '4.12', DOM0LESS, (d) => d.vpl011, (d, v) => (d.vpl011 = v)),
  u32Field<Domain>('nr_spis', '4.13', DOM0LESS, (d) => d.nrSpis, (d, v) => (d.nrSpis = v)),
  field<Domain, MemoryBank[]>({
    name: 'xen,static-mem', since: '4.16', in: DOM0LESS, arm: true,
    get: (d) => d.staticMemory, set: (d, v) => (d.staticMemory = v), decode: decodeStaticMem,
    encode: (v, ctx) => encodeTuples(v.map((b) => [b.address, b.size]), [ctx.walkerCells.address, ctx.walkerCells.size], `${ctx.path}:xen,static-mem`),
  }),
  flagField<Domain>('direct-map', '4.17', DOM0LESS, (d) => d.directMap, (d, v) => (d.directMap = v)),
  field<Domain, string>({
    name: 'domain-cpupool', since: '4.17', in: DOM0LESS, arm: true,
    get: (d) => d.cpupool, set: (d, v) => (d.cpupool = v), decode: decodeCpupool,
    encode: (name, ctx) => {
      ctx.reference(0, { kind: 'cpupool', name });
      return encodeU32(0);
    },
  }),
  field<Domain, Enhanced>({
    name: 'xen,enhanced', since: '4.17', in: DOM0LESS, arm: true,
    get: (d) => d.enhanced, set: (d, v) => (d.enhanced = v), decode: decodeEnhanced,
    encode: (v) => encodeStringValue(v),
  }),
  u32Field<Domain>('xen,domain-p2m-mem-mb', '4.17', DOM0LESS, (d) => d.p2mPoolMiB, (d, v) => (d.p2mPoolMiB = v)),
  u32Field<Domain>('max_grant_version', '4.18', DOM0LESS, (d) => d.maxGrantVersion, (d, v) => (d.maxGrantVersion = v)),
  u32Field<Domain>('max_grant_frames', '4.18', DOM0LESS, (d) => d.maxGrantFrames, (d, v) => (d.maxGrantFrames = v)),
  u32Field<Domain>('max_maptrack_frames', '4.18', DOM0LESS, (d) => d.maxMaptrackFrames, (d, v) => (d.maxMaptrackFrames = v)),
  field<Domain, number | 'max'>({ name: 'sve', since: '4.18', in: DOM0LESS, arm: true, get: (d) => d.sve, set: (d, v) => (d.sve = v), decode: decodeSve, encode: (v) => (v === 'max' ? encodeEmpty() : encodeU32(v)) }),
  field<Domain, 'enabled' | 'disabled'>({
    name: 'passthrough', since: '4.19', in: DOM0LESS, arm: true,
    get: (d) => d.passthrough, set: (d, v) => (d.passthrough = v),
    decode: decodeEnum(['enabled', 'disabled'], 'Xen treats anything but "enabled" as disabled'), encode: (v) => encodeStringValue(v),
  }),
  stringField<Domain>('llc-colors', '4.20', DOM0LESS, (d) => d.llcColors, (d, v) => (d.llcColors = v)),
  field<Domain, number>({ name: 'trap-unmapped-accesses', since: '4.21', in: DOM0LESS, arm: true, get: (d) => d.trapUnmappedAccesses, set: (d, v) => (d.trapUnmappedAccesses = v), decode: decodeTrap, encode: encodeU32 }),
  field<Domain, 'none' | 'scmi_smc'>({
    name: 'xen,sci_type', since: '4.21', in: DOM0LESS, arm: true,
    get: (d) => d.sciType, set: (d, v) => (d.sciType = v), decode: strictEnum(['none', 'scmi_smc'], 'SCI_TYPE_INVALID', 'Xen panics "Error getting SCI configuration"'), encode: (v) => encodeStringValue(v),
  }),
  field<Domain, 'mpu' | 'mmu'>({
    name: 'v8r_el1_msa', since: '4.22', in: DOM0LESS, arm: true,
    get: (d) => d.v8rEl1Msa, set: (d, v) => (d.v8rEl1Msa = v), decode: strictEnum(['mpu', 'mmu'], 'V8R_MSA_INVALID', 'Xen panics "Error getting v8r_el1_msa configuration"'), encode: (v) => encodeStringValue(v),
  }),
];

function encodeStringValue(s: string): PropertyValue {
  return PropertyValue.fromString(s);
}

/** An enum Xen refuses to boot with when the value is unknown. */
function strictEnum<const T extends string>(values: readonly T[], code: BootConfigCode, consequence: string) {
  return (p: Property, ctx: PropertyReadContext): T => {
    const s = decodeString(p, ctx);
    if ((values as readonly string[]).includes(s)) return s as T;
    throw new BootConfigError(code, `${ctx.node.path}:${p.name} = "${s}" is not one of ${values.map((v) => `"${v}"`).join(', ')}; ${consequence}`, locate(ctx.node, p));
  };
}
