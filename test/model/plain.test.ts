import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PropertyValue } from '../../src/fdt/tree/data.js';
import { Node, Property } from '../../src/fdt/tree/livetree.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { newDomain } from '../../src/model/domain.js';
import { newHypervisor } from '../../src/model/hypervisor.js';
import { newModule } from '../../src/model/module.js';
import { plainModel } from '../../src/model/plain.js';

test('plainModel: bigints in hex, unknown values as hex bytes, no origins or host tree', () => {
  const note = new Node('notes');
  note.addProperty(new Property('text', PropertyValue.fromString('hi')));
  const d = newDomain('domU1', { memoryKiB: 0x20000n, vcpus: 1, origin: { interface: 'dom0less', path: '/chosen/domU1', labels: [], properties: [], children: [] } });
  d.modules.push(newModule('kernel', { location: { type: 'range', address: 0x44000000n, size: 0x1000000n } }));
  d.unknownProperties.push({ name: 'vendor,x', value: PropertyValue.fromCells([1]) });
  d.unknownNodes.push({ node: note });
  const m: BootModel = { interface: 'dom0less', target: {}, hypervisor: newHypervisor(), domains: [d], cpupools: [], hostPassthrough: [] };
  const plain = plainModel(m) as { domains: Record<string, unknown>[] };
  const pd = plain.domains[0]!;
  assert.equal(pd.memoryKiB, '0x20000');
  assert.equal(pd.origin, undefined);
  assert.deepEqual((pd.modules as { location: unknown }[])[0]!.location, { type: 'range', address: '0x44000000', size: '0x1000000' });
  assert.deepEqual(pd.unknownProperties, [{ name: 'vendor,x', value: '00000001' }]);
  assert.deepEqual(pd.unknownNodes, [{ node: { name: 'notes', properties: { text: '686900' }, children: [] } }]);
  assert.doesNotThrow(() => JSON.stringify(plain));
});
