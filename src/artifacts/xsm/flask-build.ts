/**
 * `build --xsm flask`: the policy `hyperlaunch xsm` writes for the system the
 * resolved ImageBuilder plan boots becomes its XEN_POLICY (an output of the
 * build, loaded right after Xen as the xen,xsm-policy module), and Xen's
 * line asks for FLASK.
 */
import { imageBuilderToModel } from '../../bindings/imagebuilder/model.js';
import type { ImageBuilderPlan } from '../../bindings/imagebuilder/plan.js';
import { type XsmMode, withFlask } from '../../check/xsm/flask-cmdline.js';
import type { FileSource } from '../file-source.js';
import { generatePolicy } from './index.js';
import { XsmError } from './xsm-error.js';

/** The policy's name in the build directory. */
export const XSM_POLICY_FILE = 'xenpolicy.bin';

export interface XsmBuildRequest {
  mode: XsmMode;
  /** The target release (policy version); default: what 4.22 reads. */
  xenVersion?: string;
}

export interface FlaskPlan {
  file: string;
  data: Uint8Array;
  /** Labels Xen cannot give as configured. */
  notes: string[];
}

/** Give the plan the policy and the FLASK command line; throws XsmError. */
export function addFlask(plan: ImageBuilderPlan, request: XsmBuildRequest): FlaskPlan {
  if (plan.mode !== 'xen') throw new XsmError('NO_DOMAINS', 'the config boots Linux, not Xen: there is no XSM policy to load');
  if (plan.xenPolicy !== undefined) throw new XsmError('POLICY_ALREADY_SET', `the config already loads XEN_POLICY=${plan.xenPolicy}`, { hint: 'drop --xsm, or XEN_POLICY from the config' });
  const policy = generatePolicy(imageBuilderToModel(plan).model, { xenVersion: request.xenVersion });
  plan.xenPolicy = XSM_POLICY_FILE;
  plan.xenCmd = withFlask(plan.xenCmd, request.mode);
  return { file: XSM_POLICY_FILE, data: policy.binary, notes: policy.notes };
}

/** The build directory with the generated policy in it (read from memory: nothing is written before the checks pass). */
export function withGeneratedFile(source: FileSource, file: string, data: Uint8Array): FileSource {
  return {
    size: (p) => (p === file ? BigInt(data.length) : source.size(p)),
    head: (p, n) => (p === file ? data.subarray(0, n) : source.head(p, n)),
    read: (p) => (p === file ? data : source.read(p)),
  };
}
