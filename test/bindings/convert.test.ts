/**
 * Conversions: dom0less → Hyperlaunch → dom0less keeps the meaning with no
 * loss on Arm; what an interface cannot say is reported item by item with
 * its DT path; and property-based round trips over random models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convert, formatLoss, readBootConfig, readDom0less, readHyperlaunch, writeDom0less, writeHyperlaunch } from '../../src/bindings/index.js';
import type { BootModel } from '../../src/model/boot-model.js';
import type { Domain } from '../../src/model/domain.js';
import { BootConfigError } from '../../src/model/errors.js';
import { newHypervisor } from '../../src/model/hypervisor.js';
import { newModule } from '../../src/model/module.js';
import { PropertyValue } from '../../src/fdt/tree/data.js';
import { DOM0LESS_FIXTURES, dts, parsed, semantic } from './support.js';

for (const name of DOM0LESS_FIXTURES) {
  test(`${name}: dom0less → Hyperlaunch → dom0less loses nothing`, () => {
    const model = readDom0less(parsed(name));
    const there = convert(model, 'hyperlaunch');
    assert.deepEqual(there.losses, []);
    const hl = readBootConfig(there.tree);
    assert.equal(hl.interface, 'hyperlaunch');
    const back = convert(hl, 'dom0less');
    assert.deepEqual(back.losses, []);
    assert.deepEqual(semantic(readBootConfig(back.tree)), semantic(model));
  });
}

test('dom0less → Hyperlaunch for x86 lists every Arm-only item with its path', () => {
  const text = `/dts-v1/;\n/ {\ncpus { #address-cells = <1>; #size-cells = <0>; c0: cpu@0 { device_type = "cpu"; reg = <0>; }; };\nchosen {\nxen,xen-bootargs = "console=com1";\npool: pool { compatible = "xen,cpupool"; cpupool-cpus = <&c0>; };\ndomU1 {\ncompatible = "xen,domain";\nmemory = <0 0x20000>;\ncpus = <1>;\nvpl011;\ndomain-cpupool = <&pool>;\nk { compatible = "multiboot,kernel", "multiboot,module"; reg = <0 0x44000000 0x1000000>; };\n};\n};\n};\n`;
  const model = readDom0less(dts(text, 'x.dts'), { target: { arch: 'x86_64' } });
  const { losses, tree } = convert(model, 'hyperlaunch');
  assert.deepEqual(losses.map((l) => [l.path, l.item]), [
    ['/chosen:xen,xen-bootargs', 'xen,xen-bootargs'],
    ['/chosen/domU1:vpl011', 'vpl011'],
    ['/chosen/domU1:domain-cpupool', 'domain-cpupool'],
    ['/chosen/pool', 'boot-time cpupool'],
  ]);
  assert.ok(losses.every((l) => l.to === 'hyperlaunch' && l.position?.file === 'x.dts'));
  const back = readHyperlaunch(tree);
  assert.deepEqual(back.domains.map((d) => [d.name, d.domid, d.memoryKiB, d.vcpus, d.vpl011]), [['domU1', 1, 0x20000n, 1, undefined]]);
  assert.throws(() => writeHyperlaunch(model), (e: unknown) => e instanceof BootConfigError && e.code === 'LOSSY_CONVERSION' && e.path === '/chosen:xen,xen-bootargs');
});

test('Hyperlaunch → dom0less lists what dom0less cannot say (design functions, mode, module-index, dom0 sizes)', () => {
  const model = readHyperlaunch(parsed('hyperlaunch-design.dts'));
  const { losses } = convert(model, 'dom0less');
  assert.deepEqual(losses.map((l) => l.path), [
    '/chosen/hypervisor/dom0:functions',
    '/chosen/hypervisor/dom0:mode',
    '/chosen/hypervisor/dom0:domain-uuid',
    '/chosen/hypervisor/dom0:security-id',
    '/chosen/hypervisor/dom0:memory',
    '/chosen/hypervisor/dom0:cpus',
    '/chosen/hypervisor/dom0/kernel:mb-index',
    '/chosen/hypervisor/dom0/initrd:mb-index',
    '/chosen/hypervisor/config/microcode:mb-index',
    '/chosen/hypervisor/config/policy:mb-index',
  ]);
  assert.match(formatLoss(losses[4]!), /dom0_mem=/);
  assert.throws(() => writeDom0less(model), (e: unknown) => e instanceof BootConfigError && e.code === 'LOSSY_CONVERSION');
  assert.doesNotThrow(() => writeDom0less(model, undefined, { allowLoss: true }));
});

test('Hyperlaunch domids that dom0less would not allocate are losses; matching ones are not', () => {
  const model = readHyperlaunch(parsed('hyperlaunch-disaggregated.dts'));
  for (const d of model.domains) {
    d.mode = undefined;
    for (const m of d.modules) m.location = { type: 'range', address: 0x40000000n, size: 0x1000n };
  }
  assert.deepEqual(convert(model, 'dom0less').losses, []);
  model.domains[2]!.domid = 7;
  assert.deepEqual(convert(model, 'dom0less').losses.map((l) => [l.path, l.reason]), [['/chosen/hypervisor/xenstore:domid', 'dom0less allocates domids in node order (this domain gets 3)']]);
});

// ---- property-based round trips over random models ----

const HOST = `/dts-v1/;\n/ {\n#address-cells = <2>;\n#size-cells = <2>;\ncpus {\n#address-cells = <1>;\n#size-cells = <0>;\ncpu@0 { device_type = "cpu"; reg = <0>; };\ncpu@1 { device_type = "cpu"; reg = <1>; };\ncpu@2 { device_type = "cpu"; reg = <2>; };\n};\nchosen { };\n};\n`;

const word = fc.stringMatching(/^[a-z0-9][a-z0-9=,. -]{0,24}$/);
const page = fc.bigInt({ min: 1n, max: 0xfffffn }).map((n) => n << 12n);
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

function domainArb(name: string): fc.Arbitrary<Domain> {
  return fc
    .record({
      memoryKiB: fc.bigInt({ min: 1n, max: 1n << 40n }),
      vcpus: fc.integer({ min: 1, max: 8 }),
      vpl011: opt(fc.constant(true)),
      nrSpis: opt(fc.integer({ min: 0, max: 988 })),
      enhanced: opt(fc.constantFrom('enabled', 'legacy', 'disabled', 'no-xenstore' as const)),
      passthrough: opt(fc.constantFrom('enabled', 'disabled' as const)),
      maxGrantVersion: opt(fc.constantFrom(1, 2)),
      maxGrantFrames: opt(fc.integer({ min: 1, max: 64 })),
      sve: opt(fc.oneof(fc.constant('max' as const), fc.integer({ min: 0, max: 16 }).map((n) => n * 128))),
      llcColors: opt(fc.constantFrom('0-3', '1,4-7')),
      trapUnmappedAccesses: opt(fc.constantFrom(0, 1)),
      p2mPoolMiB: opt(fc.integer({ min: 1, max: 256 })),
      capabilities: opt(fc.record({ control: fc.boolean(), hardware: fc.boolean(), xenstore: fc.boolean() })),
      staticMemory: opt(fc.array(fc.record({ address: page, size: page }), { minLength: 1, maxLength: 3 })),
      directMap: opt(fc.constant(true)),
      sizeCells: opt(fc.constantFrom(1, 2)),
      kernel: fc.record({ address: page, size: page, bootargs: opt(word) }),
      ramdisk: opt(fc.record({ address: page, size: page })),
      partialDt: opt(fc.record({ address: page, size: page })),
      pins: fc.array(fc.stringMatching(/^[0-3](-[4-7])?$/), { maxLength: 2 }),
      extra: opt(fc.uint8Array({ maxLength: 12 })),
    })
    .map((r) => {
      const d: Domain = { name, isDom0: false, vcpuPins: [], modules: [], sharedMemory: [], eventChannels: [], unknownProperties: [], unknownNodes: [] };
      const structural = ['kernel', 'ramdisk', 'partialDt', 'pins', 'extra'];
      for (const [k, v] of Object.entries(r)) if (v !== undefined && !structural.includes(k)) (d as unknown as Record<string, unknown>)[k] = v;
      d.addressCells = 2;
      d.modules.push(newModule('kernel', { name: 'kernel', location: { type: 'range', address: r.kernel.address, size: r.kernel.size }, ...(r.kernel.bootargs ? { bootargs: r.kernel.bootargs } : {}) }));
      if (r.ramdisk) d.modules.push(newModule('ramdisk', { name: 'ramdisk', location: { type: 'range', ...r.ramdisk } }));
      if (r.partialDt) d.modules.push(newModule('device-tree', { name: 'partial', location: { type: 'range', ...r.partialDt } }));
      r.pins.slice(0, r.vcpus).forEach((affinity, id) => d.vcpuPins.push({ name: `vcpu${id}`, id, hardAffinity: affinity, unknownProperties: [], unknownNodes: [] }));
      if (r.extra) d.unknownProperties.push({ name: 'vendor,extra', value: new PropertyValue(r.extra) });
      return d;
    });
}

const modelArb: fc.Arbitrary<BootModel> = fc
  .record({
    domUs: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => domainArb(`domU${i + 1}`)))),
    dom0: opt(fc.record({ kernel: page, size: page, bootargs: opt(word) })),
    xenBootargs: opt(word),
    staticHeap: opt(fc.array(fc.record({ address: page, size: page }), { minLength: 1, maxLength: 2 })),
    xsm: opt(fc.record({ address: page, size: page })),
    dom0Bootargs: opt(word),
    pool: opt(fc.subarray(['/cpus/cpu@1', '/cpus/cpu@2'], { minLength: 1 })),
    channels: fc.array(fc.tuple(fc.nat(2), fc.nat(2), fc.integer({ min: 1, max: 4095 })), { maxLength: 3 }),
    shm: opt(fc.record({ id: fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/), host: page, guest: page, size: page })),
  })
  .map((r) => {
    const hypervisor = newHypervisor({ chosenAddressCells: 2, chosenSizeCells: 2 });
    if (r.xenBootargs) hypervisor.xenBootargs = r.xenBootargs;
    if (r.dom0Bootargs) hypervisor.dom0Bootargs = r.dom0Bootargs;
    if (r.staticHeap) hypervisor.staticHeap = r.staticHeap;
    if (r.xsm) hypervisor.modules.push(newModule('xsm-policy', { name: 'xsm', location: { type: 'range', ...r.xsm } }));
    const domains: Domain[] = [...r.domUs];
    if (r.dom0) {
      const dom0: Domain = { name: 'dom0', isDom0: true, addressCells: 2, sizeCells: 2, vcpuPins: [], modules: [], sharedMemory: [], eventChannels: [], unknownProperties: [], unknownNodes: [] };
      dom0.modules.push(newModule('kernel', { name: 'dom0-kernel', location: { type: 'range', address: r.dom0.kernel, size: r.dom0.size }, ...(r.dom0.bootargs ? { bootargs: r.dom0.bootargs } : {}) }));
      domains.unshift(dom0);
    }
    const cpupools = r.pool ? [{ name: 'pool1', cpus: r.pool, scheduler: 'null', unknownProperties: [], unknownNodes: [] }] : [];
    if (r.pool) r.domUs[0]!.cpupool = 'pool1';
    r.channels.forEach(([a, b, port], i) => {
      const da = r.domUs[a % r.domUs.length]!;
      const db = r.domUs[b % r.domUs.length]!;
      const ca = `ev${i}a`;
      const cb = `ev${i}b`;
      da.eventChannels.push({ name: ca, localPort: port, remote: { domain: db.name, channel: cb }, unknownProperties: [], unknownNodes: [] });
      db.eventChannels.push({ name: cb, localPort: port + 1, remote: { domain: da.name, channel: ca }, unknownProperties: [], unknownNodes: [] });
    });
    if (r.shm) {
      r.domUs[0]!.sharedMemory.push({ name: 'shm', id: r.shm.id, hostAddress: r.shm.host, guestAddress: r.shm.guest, size: r.shm.size, role: 'owner', unknownProperties: [], unknownNodes: [] });
    }
    return { interface: 'dom0less', target: {}, hypervisor, domains, cpupools, hostPassthrough: [], host: dts(HOST, 'host.dts') } satisfies BootModel;
  });

test('random models: write dom0less, read back, same meaning', () => {
  fc.assert(
    fc.property(modelArb, (model) => {
      const tree = writeDom0less(model);
      assert.deepEqual(semantic(readDom0less(tree)), semantic(model));
    }),
    { numRuns: 300, seed: 4 },
  );
});

test('random models: dom0less → Hyperlaunch → dom0less, no losses, same meaning', () => {
  fc.assert(
    fc.property(modelArb, (model) => {
      const there = convert(model, 'hyperlaunch');
      assert.deepEqual(there.losses, []);
      const hl = readHyperlaunch(there.tree);
      assert.deepEqual(semantic(readHyperlaunch(writeHyperlaunch(hl))), semantic(hl), 'Hyperlaunch round trip');
      const back = convert(hl, 'dom0less');
      assert.deepEqual(back.losses, []);
      assert.deepEqual(semantic(readDom0less(back.tree)), semantic(model));
    }),
    { numRuns: 200, seed: 7 },
  );
});

test('a dom0less domain with a (Xen-ignored) domid property: kept as unknown, and a loss when Hyperlaunch writes its own', () => {
  const text = `/dts-v1/;\n/ {\nchosen {\ndomU1 {\ncompatible = "xen,domain";\ndomid = <5>;\nmemory = <0 0x20000>;\ncpus = <1>;\n};\n};\n};\n`;
  const model = readDom0less(dts(text));
  assert.equal(model.domains[0]!.domid, undefined);
  assert.deepEqual(model.domains[0]!.unknownProperties.map((p) => p.name), ['domid']);
  const { losses, tree } = convert(model, 'hyperlaunch');
  assert.deepEqual(losses.map((l) => [l.path, l.item]), [['/chosen/domU1:domid', 'domid']]);
  assert.equal(readHyperlaunch(tree).domains[0]!.domid, 1);
});
