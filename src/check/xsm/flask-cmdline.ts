/** FLASK on Xen's command line: `xsm=flask` selects the module, `flask=` its mode. */
export type XsmMode = 'enforcing' | 'permissive';

export const XSM_MODES: readonly XsmMode[] = ['enforcing', 'permissive'];

/** Xen's line with any earlier `xsm=` / `flask=` replaced (Xen takes the last, but one of each reads clearer). */
export function withFlask(xenBootargs: string | undefined, mode: XsmMode): string {
  const kept = (xenBootargs ?? '').split(/\s+/).filter((w) => w !== '' && !/^(xsm|flask)=/.test(w));
  return [...kept, 'xsm=flask', `flask=${mode}`].join(' ');
}

/** The FLASK mode a command line asks for, if it selects FLASK. */
export function flaskModeOf(xenBootargs: string | undefined): XsmMode | 'disabled' | 'late' | undefined {
  const words = (xenBootargs ?? '').split(/\s+/);
  const xsm = words.filter((w) => w.startsWith('xsm=')).pop();
  if (xsm !== 'xsm=flask') return undefined;
  const flask = words.filter((w) => w.startsWith('flask=')).pop()?.slice('flask='.length);
  if (flask === 'permissive' || flask === 'disabled' || flask === 'late') return flask;
  return 'enforcing';
}
