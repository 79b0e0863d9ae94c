#!/usr/bin/env bash
# Rehearses CI on a brand-new Debian 12 machine: a minimal Debian root (built
# once with mmdebstrap and cached), a clean `git clone` of a commit, and
# `bash .ci/run` run inside it as root with CI=true and nothing else from this
# machine but Node.js, DNS, the apt mirror and the trusted CAs. Anything
# installed here by hand, and missing from scripts/install-test-deps.sh, shows
# up as a failure. Measured recipe: docs/doctor.md ("Fresh-machine rehearsal").
#
#   scripts/fresh-machine-check.sh [--ref REV] [--rebuild-root] [--keep] [--verbose]
#
# Exits with the status of .ci/run (0: the suite passed), 2 on a usage error.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/fresh-machine-check.sh [--ref REV] [--rebuild-root] [--keep] [--verbose]
  --ref REV        the commit, branch or tag to test (default: main)
  --rebuild-root   build the cached Debian root again (mmdebstrap, ~80 s)
  --keep           keep the run's root afterwards (path printed at the end)
  --verbose        stream the whole log (default: only its closing lines)
Needs root (re-runs itself through sudo), mmdebstrap and network access.
Cache: $HYPERLAUNCH_FRESH_CACHE (default /var/cache/hyperlaunch-fresh).
EOF
}

ref=main rebuild=0 keep=0 verbose=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ref) [ $# -ge 2 ] || { usage >&2; exit 2; }; ref=$2; shift 2 ;;
    --ref=*) ref=${1#--ref=}; shift ;;
    --rebuild-root) rebuild=1; shift ;;
    --keep) keep=1; shift ;;
    --verbose) verbose=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fresh-machine-check: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo --preserve-env=HYPERLAUNCH_FRESH_CACHE,NODE_EXTRA_CA_CERTS,SSL_CERT_FILE,REQUESTS_CA_BUNDLE bash "$0" "$@"; fi
  echo "fresh-machine-check: needs root (chroot, mounts) and sudo is not installed" >&2
  exit 1
fi
command -v mmdebstrap >/dev/null || { echo "fresh-machine-check: mmdebstrap is missing: apt-get install -y mmdebstrap" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
sha=$(git -C "$repo" rev-parse --verify --quiet "$ref^{commit}") || { echo "fresh-machine-check: '$ref' is not a commit of $repo" >&2; exit 2; }
# ../shared sits beside the main checkout, which a worktree is not: ask git where that is.
common=$(cd "$repo" && cd "$(git rev-parse --git-common-dir)" && pwd)
shared=$(dirname "$(dirname "$common")")/shared

cache=${HYPERLAUNCH_FRESH_CACHE:-/var/cache/hyperlaunch-fresh}
mkdir -p "$cache"

# The mirror this machine's apt already uses, so the rehearsal reaches the same network.
host_mirror() {
  local uri
  uri=$(grep -rhoE '(https?://[^ ]+/debian)/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -n1 | tr -d ' ' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror=$(host_mirror)
mirror=${mirror%/}

build_root() {
  local tmp=$cache/root.tmp
  rm -rf --one-file-system "$tmp"
  echo "fresh-machine-check: building a minimal Debian 12 root with mmdebstrap (once; --rebuild-root to redo)"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,git bookworm "$tmp" "$mirror"
  rm -rf --one-file-system "$cache/root"
  mv "$tmp" "$cache/root"
}
if [ "$rebuild" = 1 ] || [ ! -x "$cache/root/bin/bash" ]; then build_root; fi

work=$(mktemp -d "$cache/run.XXXXXX")
root=$work/root
mounted=()
runner=
cleanup() {
  local i
  # The suite runs in its own session (setsid): end all of it, QEMU included.
  if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then kill -TERM -- "-$runner" 2>/dev/null || true; sleep 2; kill -KILL -- "-$runner" 2>/dev/null || true; fi
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then echo "fresh-machine-check: kept $root"; return; fi
  # Never delete through a mount that is still attached (a bound /dev or /sys).
  if grep -qF " $work/" /proc/self/mounts; then
    echo "fresh-machine-check: mounts remain under $work; not deleting it" >&2
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount_at() { mount "$@"; mounted+=("${*: -1}"); }

cp -a "$cache/root" "$root"

# Node.js: Debian 12's is too old; the host's binary needs only libc/libstdc++/libgcc_s.
node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
install -D -m 755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
security=${mirror%/debian}/debian-security
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
rm -f "$root"/etc/apt/sources.list.d/*

# TLS: the machine may trust extra CAs (a proxy); CI keeps those variables, so must we.
ca_env=()
for var in NODE_EXTRA_CA_CERTS SSL_CERT_FILE REQUESTS_CA_BUNDLE; do
  file=${!var:-}
  [ -n "$file" ] && [ -f "$file" ] || continue
  install -D -m 644 "$file" "$root$file"
  ca_env+=("$var=$file")
done
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
if [ -d /usr/local/share/ca-certificates ]; then cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"; fi

mkdir -p "$root/ci"
git clone --quiet --no-checkout "$repo" "$root/ci/main"
git -C "$root/ci/main" checkout --quiet --detach "$sha"
if [ -d "$shared" ]; then
  cp -a "$shared" "$root/ci/shared"
  mount_at --bind "$root/ci/shared" "$root/ci/shared"
  mount -o remount,bind,ro "$root/ci/shared"
else
  echo "fresh-machine-check: no ../shared beside the checkout; the tests that need it will SKIP"
fi

mount_at -t proc proc "$root/proc"
mount_at --rbind /sys "$root/sys"
mount_at --rbind /dev "$root/dev"

log=$cache/last-run.log
echo "fresh-machine-check: $ref ($sha) on a fresh Debian 12 root; log: $log"
start=$(date +%s)
set +e
setsid chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 CI=true "${ca_env[@]}" bash -c 'cd /ci/main && bash .ci/run' >"$log" 2>&1 &
runner=$!
if [ "$verbose" = 1 ]; then tail -n +1 -f "$log" --pid="$runner"; fi
wait "$runner"
status=$?
runner=
set -e
elapsed=$(($(date +%s) - start))

echo "---- failing tests (if any)"
grep -E '^ *(not ok |✖ )' "$log" | head -n 40 || true
echo "---- closing lines"
grep -E '^(# |ℹ )(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$log" || tail -n 15 "$log"
printf 'fresh-machine-check: .ci/run exited %d after %dm%02ds\n' "$status" $((elapsed / 60)) $((elapsed % 60))
exit "$status"
