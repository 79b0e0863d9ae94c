/**
 * ImageBuilder config ↔ boot model: golden 01's config through the model
 * and back builds the golden script again; what a config cannot say is
 * reported as a loss with its DT path.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImageBuilderConfig } from '../../src/bindings/imagebuilder/config.js';
import { imageBuilderToModel, modelToImageBuilder } from '../../src/bindings/imagebuilder/model.js';
import { resolveImageBuilder } from '../../src/artifacts/imagebuilder-plan/resolve.js';
import { parseShellConfig } from '../../src/bindings/imagebuilder/shell-config.js';
import { writeImageBuilderConfig } from '../../src/bindings/imagebuilder/write-config.js';
import { directorySource } from '../../src/artifacts/file-source.js';
import { buildUboot } from '../../src/artifacts/uboot-build.js';
import { newDomain } from '../../src/model/domain.js';
import { newModule } from '../../src/model/module.js';
import { goldenDir, haveGolden, makeGoldenInputs } from '../artifacts/golden-inputs.js';

const case01 = join(goldenDir, '01-dom0-2domus-tftp');

test('golden 01: config → model → config builds the golden boot.source again', (t) => {
  if (!haveGolden(t)) return;
  const cfgPath = join(case01, 'config');
  const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(readFileSync(cfgPath, 'utf8'), cfgPath)), { loadCmd: 'tftp' });
  const { model, files, losses } = imageBuilderToModel(plan);
  assert.deepEqual(losses, []);
  assert.equal(model.domains.length, 3);
  assert.equal(model.domains[0]!.isDom0, true);
  assert.equal(model.domains[1]!.memoryKiB, 262144n);
  assert.equal(model.domains[1]!.vcpus, 2);
  assert.equal(model.domains[2]!.modules[0]!.bootargs, 'console=ttyAMA0 root=/dev/ram0');
  const back = modelToImageBuilder(model, (m) => files.get(m));
  assert.deepEqual(back.losses, []);
  const cfg = back.config;
  Object.assign(cfg, { memoryStart: '0x0', memoryEnd: '0x80000000', deviceTree: 'host.dtb', xen: 'xen', ubootSource: 'boot.source', ubootScript: 'boot.scr' });
  // and once more through the text form
  const again = readImageBuilderConfig(parseShellConfig(writeImageBuilderConfig(cfg), 'written'));
  const dir = makeGoldenInputs('01-dom0-2domus-tftp');
  try {
    const b = buildUboot(resolveImageBuilder(again, { loadCmd: 'tftp' }), { dir, files: directorySource(dir), naming: 'imagebuilder-2023' });
    assert.equal(b.source, readFileSync(join(case01, 'boot.source'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('model → config: what ImageBuilder 2023.2 cannot express is a located loss', () => {
  const kernel = newModule('kernel', { uefiBinary: 'Image-u' });
  const d = newDomain('guest', { vcpus: 1, memoryKiB: 1536n, vpl011: false, capabilities: { control: true, hardware: false, xenstore: false }, modules: [kernel] });
  const noFile = newDomain('other', { modules: [newModule('kernel', { name: 'k' })] });
  const model = {
    interface: 'dom0less' as const, target: {}, hypervisor: { modules: [], unknownProperties: [], unknownNodes: [] },
    domains: [d, noFile], cpupools: [], hostPassthrough: [],
  };
  const { config, losses } = modelToImageBuilder(model, () => undefined);
  assert.equal(config.domus[0]!.kernel, 'Image-u'); // from xen,uefi-binary
  assert.equal(config.domus[0]!.mem, '1');
  assert.equal(config.domus[0]!.caps, '1'); // DOMU_CAPS (upstream after 2023.2)
  assert.deepEqual(losses.map((l) => `${l.path} ${l.item}`).sort(), [
    '/chosen/guest:memory memory',
    '/chosen/guest:vpl011 vpl011',
    '/chosen/other/k kernel',
  ]);
});
