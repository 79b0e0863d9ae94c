/** Every code the XSM policy generator raises (XsmError), with its meaning. */
import { type CodeInfo, errorCode as e } from '../../diagnostics/diagnostic.js';

export const XSM_CODES = {
  CHECKPOLICY_MISSING: e('checkpolicy, which compiles the FLASK policy, is not installed', 'apt-get install checkpolicy'),
  POLICY_VERSION_UNSUPPORTED: e('the installed checkpolicy cannot write the policy version the target Xen reads'),
  POLICY_COMPILE_FAILED: e('checkpolicy rejected the generated FLASK policy'),
  BAD_SECURITY_ID: e('a security-id is not a FLASK type name', 'use letters, digits and _ (e.g. domU_t), or user:role:type'),
  POLICY_ALREADY_SET: e('the ImageBuilder config already names an XSM policy (XEN_POLICY) and --xsm asks for ours'),
  NO_DOMAINS: e('the configuration builds no domain to write a policy for'),
} as const satisfies Record<string, CodeInfo>;

export type XsmCode = keyof typeof XSM_CODES;
