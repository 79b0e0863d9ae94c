/**
 * The POSIX sh script a busybox dom0 runs to start the domains Xen 4.17
 * x86 cannot build at boot. The steps and their order are the ones that
 * were needed on Debian's Xen 4.17 (../shared/reference/x86-xen-boot.md,
 * "late launch"): the Xen driver modules and xenfs, devpts (else
 * xenconsoled cannot make a tty and `xl create` times out), the state
 * directories, xenstored, xen-init-dom0, xenconsoled logging each guest's
 * console to a file, then `xl create` per domain in dependency order.
 * Each step prints a `hyperlaunch:` line so a serial log shows how far it got.
 */
import type { X86BootPlan } from './boot-plan.js';

/** Where the script expects things in dom0; the variables can be overridden from the environment. */
export const LATE_LAUNCH_DEFAULTS = {
  xenBin: '/usr/lib/xen-4.17/bin',
  xlDir: '/etc/xen/hyperlaunch',
  consoleLogDir: '/var/log/xen/console',
} as const;

/** The modules the tools need (privcmd before xenfs, which uses it). */
export const XEN_DOM0_MODULES = ['xen-evtchn', 'xen-privcmd', 'xen-gntdev', 'xen-gntalloc', 'xenfs'] as const;

export const XEN_STATE_DIRS = ['/var/lib/xen', '/var/lib/xenstored', '/var/run/xen', '/var/log/xen/console'] as const;

/** A name the script may use unquoted (domain names are node names, but a model can come from anywhere). */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_.,:=+/@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function header(plan: X86BootPlan): string[] {
  return [
    '#!/bin/sh',
    `# Late launch for Xen ${plan.xenVersion} on x86, written by hyperlaunch: dom0 (${plan.dom0.name}) starts`,
    '# the domains Xen cannot build at boot. Run it from dom0\'s init after /proc, /sys and /dev are mounted.',
    `XEN_BIN=\${XEN_BIN:-${LATE_LAUNCH_DEFAULTS.xenBin}}`,
    `XL_DIR=\${XL_DIR:-${LATE_LAUNCH_DEFAULTS.xlDir}}`,
    'MOD_DIR=${MOD_DIR:-/lib/modules/$(uname -r)}',
    // Debian's /usr/sbin/xl is a wrapper script that needs more than busybox; the real binaries are here.
    'PATH=$XEN_BIN:/usr/sbin:/usr/bin:/sbin:/bin',
    'export PATH',
    '',
    'say() { echo "hyperlaunch: $*"; }',
    'fail() { say "$*"; exit 1; }',
    '',
    'load() {',
    '  modprobe "$1" 2>/dev/null && return 0',
    '  f=$(find "$MOD_DIR" -name "$1.ko*" 2>/dev/null | head -n 1)',
    '  [ -n "$f" ] && insmod "$f"',
    '}',
    '',
  ];
}

function toolsUp(): string[] {
  return [
    `for m in ${XEN_DOM0_MODULES.join(' ')}; do`,
    '  load "$m" || say "module $m not loaded (built in?)"',
    'done',
    `mkdir -p /proc/xen /dev/pts ${XEN_STATE_DIRS.join(' ')}`,
    'grep -q " /proc/xen " /proc/mounts || mount -t xenfs xenfs /proc/xen || fail "cannot mount xenfs"',
    'grep -q " /dev/pts " /proc/mounts || mount -t devpts devpts /dev/pts || fail "cannot mount devpts"',
    'xenstored --pid-file /var/run/xen/xenstored.pid || fail "xenstored did not start"',
    'xen-init-dom0 || fail "xen-init-dom0 failed"',
    `xenconsoled --log=guest --log-dir=${LATE_LAUNCH_DEFAULTS.consoleLogDir} || fail "xenconsoled did not start"`,
    'say "xen tools up"',
    '',
    'status=0',
    'start() {',
    '  say "creating $1"',
    '  if xl create "$XL_DIR/$1.cfg"; then say "created $1"; else say "xl create $1 failed"; status=1; fi',
    '}',
  ];
}

export function writeLateLaunchScript(plan: X86BootPlan): string {
  const creates = plan.lateLaunch.map((d) => (d.after.length ? `start ${shellWord(d.name)}  # after ${d.after.join(', ')}` : `start ${shellWord(d.name)}`));
  return `${[...header(plan), ...toolsUp(), ...creates, 'say "late launch done"', 'exit $status'].join('\n')}\n`;
}

/** The xl.cfg file name of a late domain inside XL_DIR (and in the build's xl/ directory). */
export function xlConfigName(name: string): string {
  return `${name}.cfg`;
}
