/** Where a model module's bytes are: the file an ImageBuilder config or `xen,uefi-binary` names, or its location. */
import type { BootModule } from '../../model/module.js';
import type { ModuleSource } from './boot-plan.js';

export function moduleSource(m: BootModule, files?: ReadonlyMap<BootModule, string>): ModuleSource {
  const file = files?.get(m) ?? m.uefiBinary;
  if (file !== undefined) return { type: 'file', path: file };
  const loc = m.location;
  if (loc?.type === 'multiboot-index') return { type: 'multiboot-index', index: loc.index };
  if (loc?.type === 'range') return { type: 'range', address: loc.address, size: loc.size };
  return { type: 'unresolved' };
}

export function describeSource(s: ModuleSource): string {
  switch (s.type) {
    case 'file': return s.path;
    case 'multiboot-index': return `multiboot module ${s.index}`;
    case 'range': return `0x${s.address.toString(16)}+0x${s.size.toString(16)}`;
    case 'unresolved': return '(no file)';
  }
}
