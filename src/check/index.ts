/** Pre-boot checks: every way Xen's domain builder fails, found before the board boots. */
export { checkModel, checkTree, checkSource, compileTree, readPartialInput, type BootCheckOptions, type BootCheckResult, type SourceOptions } from './engine.js';
export type { Finding, Severity, Where } from './finding.js';
export { hasErrors, sortFindings } from './finding.js';
export type { Rule, RuleGroup, Report } from './rule.js';
export { RULES, ruleById } from './rules/index.js';
export type { CheckContext, PartialInput } from './context.js';
export { hostFacts, type HostFacts } from './host-facts.js';
export { parseXenBuild, type XenBuild } from './target.js';
export { formatFinding, findingJson, summaryLine } from './format.js';
export { toSarif, ruleDescriptor, checkSarifOptions } from './sarif.js';
export { rulesMarkdown, groupCounts } from './rules-doc.js';
export { checkGate, type GateOptions, type GateOutcome, type GateResult } from './gate.js';
export { parseKconfig, kconfigOn, lostOptions, xenBuildFromKconfig, type KconfigFile, type LostOption } from './xen-kconfig.js';
export { xenImageVersion, isArm64Image, type XenImageVersion } from './xen-image-version.js';
export { resolveXenBuild, type XenBuildInputs } from './xen-build-inputs.js';
export { XenConfigError, isXenConfigError, xenConfigErrorDiagnostic } from './xen-config-error.js';
export { XEN_CONFIG_CODES, type XenConfigCode } from './codes.js';
