/**
 * Which Xen a configuration is for, from what the user has: `--xen`
 * (a release such as `4.22`, or `debian-4.17` for Debian's build facts),
 * a build's `.config` (its Kconfig facts, and its release in the header),
 * an arm64 Image (its release in its bytes). Where two of them name a
 * release they must agree; a contradiction is an error, not a choice.
 */
import { compareXenVersions } from '../model/version.js';
import { type XenBuild, parseXenBuild } from './target.js';
import { XenConfigError } from './xen-config-error.js';
import { type XenImageVersion, xenImageVersion } from './xen-image-version.js';
import { parseKconfig, xenBuildFromKconfig } from './xen-kconfig.js';

export interface XenBuildInputs {
  /** `--xen`: `4.22`, `debian-4.17`. */
  xen?: string;
  /** `--xen-config`: a build's `.config`. */
  config?: { text: string; file: string };
  /** `--xen-image`: the Image that will boot. */
  image?: { bytes: Uint8Array; file: string };
}

/** The build to check for; undefined when nothing names one. Throws XenConfigError (a RangeError for a malformed --xen). */
export function resolveXenBuild(inputs: XenBuildInputs): XenBuild | undefined {
  const named = inputs.xen === undefined ? undefined : parseXenBuild(inputs.xen);
  if (named?.kconfig && inputs.config) {
    throw new XenConfigError('XEN_TARGET_CONFLICT', `--xen ${inputs.xen} brings its own Kconfig facts; --xen-config ${inputs.config.file} would replace them`, {
      file: inputs.config.file, hint: 'give --xen VERSION with --xen-config, or --xen debian-4.17 alone',
    });
  }
  const fromImage = inputs.image ? imageVersion(inputs.image, named !== undefined || inputs.config !== undefined) : undefined;
  if (named && fromImage) agree(named.version, `--xen ${inputs.xen}`, fromImage, inputs.image!.file);
  const version = named?.version ?? fromImage?.version;
  if (inputs.config) {
    const versionSource = named ? `--xen ${inputs.xen}` : inputs.image?.file;
    return xenBuildFromKconfig(parseKconfig(inputs.config.text, inputs.config.file), { version, versionSource, file: inputs.config.file });
  }
  if (named) return named;
  if (fromImage) return { version: fromImage.version, label: fromImage.release ?? fromImage.version };
  return undefined;
}

/** The Image's release; when something else names the release, an unreadable Image is no error. */
function imageVersion(image: { bytes: Uint8Array; file: string }, otherSource: boolean): XenImageVersion | undefined {
  try {
    return xenImageVersion(image.bytes, image.file);
  } catch (e) {
    if (otherSource && e instanceof XenConfigError && e.code === 'XEN_IMAGE_VERSION') return undefined;
    throw e;
  }
}

function agree(version: string, source: string, image: XenImageVersion, file: string): void {
  if (compareXenVersions(version, image.version) === 0) return;
  throw new XenConfigError('XEN_VERSION_MISMATCH', `${source} says Xen ${version}, but ${file} is Xen ${image.release ?? image.version}`, {
    file, hint: 'give the .config and --xen of the Image that boots',
  });
}
