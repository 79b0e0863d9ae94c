/**
 * Every code an ImageBuilder config or build raises (ImageBuilderError): the
 * config reader's, and the artifact builder's where uboot-script-gen stops.
 */
import { type CodeInfo, errorCode as e } from '../../diagnostics/diagnostic.js';

export const IMAGEBUILDER_CODES = {
  IB_INDEX: e('an array index above the limit this reader accepts', 'indexes count domains, pools and overlays from 0'),
  IB_UNSUPPORTED_SHELL: e('the config uses a shell construct this reader does not evaluate'),
  IB_ARITHMETIC: e('a shell arithmetic expression cannot be evaluated'),
  IB_BAD_NUMBER: e('a numeric variable is not a number', 'use a decimal or 0x-prefixed hex value'),
  IB_BAD_COLORS: e('a color setting is not a range a-b', 'write e.g. 4-7'),
  IB_ROOT_DEVICE: e('a ROOTFS setting gives no usable root device'),
  IB_STATIC_MEM: e('DOMU_STATIC_MEM is not base/size pairs'),
  IB_DOMU_CAPS: e('DOMU_CAPS is not a known capability list'),
  IB_DOMU_KERNEL: e('a domU below NUM_DOMUS has no DOMU_KERNEL'),
  IB_NO_DOMAINS: e('neither dom0 nor domUs are specified'),
  IB_DOM0_PARAMS_WITHOUT_DOM0: e('dom0 settings without DOM0_KERNEL'),
  IB_XEN_CMD_CONFLICT: e('XEN_CMD together with DOM0_MEM or DOM0_VCPUS'),
  IB_CPUPOOL: e('a CPUPOOL below NUM_CPUPOOLS is not defined'),
  IB_NO_LOAD_CMD: e('LOAD_CMD is not set', 'add LOAD_CMD="tftpb" or pass -t tftp'),
  IB_BOOT_CMD: e('BOOT_CMD is not booti, bootm, bootefi or none'),
  IB_NO_OUTPUT: e('UBOOT_SOURCE and UBOOT_SCRIPT are not set', 'set them in the config or pass -o NAME'),
  IB_FIT_KEY_DIR: e('FIT encryption without a key directory', 'pass -k KEYDIR/HINT'),
  IB_EXTERNAL_STEP: e('the config needs git, dtc or lopper runs this tool does not perform'),
  IB_NO_KERNEL: e('neither Xen nor Linux is specified'),
  IB_DT_OVERLAY: e('a DT_OVERLAY below NUM_DT_OVERLAY is not defined'),
  IB_FILE: e('a file named by the config cannot be found or read', 'paths in the config are relative to the -d directory'),
  IB_FILE_TYPE: e('a file is not of the type its role needs'),
  IB_NO_DEVICE_TREE: e('DEVICE_TREE is not set', 'set DEVICE_TREE="host.dtb"'),
  IB_OVERLAY: e('an overlay cannot be applied to the device tree'),
  IB_MEMORY: e('the binaries do not fit between MEMORY_START and MEMORY_END'),
  IB_CPUPOOL_CPU: e('a cpupool CPU does not exist or is in two pools'),
  IB_FDTPUT: e('an fdtput edit cannot create a node'),
  IB_FIT_KEY: e('the FIT signing key is missing or unusable'),
} as const satisfies Record<string, CodeInfo>;

export type ImageBuilderCode = keyof typeof IMAGEBUILDER_CODES;
