# shellcheck shell=bash
# Shared helpers for the nested-VM test rig (tools/setup-host, tools/nested-run,
# tools/run-tests). Source it; it defines functions and variables only.
#
#   TOP        top of the git work tree (derived from this file's location)
#   MV_CACHE   $TOP/.cache  downloads, extracted kernels, kernel source bits
#   MV_BUILD   $TOP/build   everything built (initramfs, ISOs, logs)
#
# Both folders are git-ignored.

# MV_TOP overrides the tree used for .cache and build (testing the rig itself).
TOP=${MV_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MV_CACHE=$TOP/.cache
MV_BUILD=$TOP/build

# The two machines and kernel lines the rig knows.
MV_MACHINES=(qemu-svm bochs-vmx)
MV_KERNEL_LINES=(6.1 6.12)

# mv_log MSG...: a progress line on stderr, prefixed with the script's name.
mv_log() {
	printf '%s: %s\n' "${MV_PROG:-${0##*/}}" "$*" >&2
}

# mv_die MSG...: print an error and exit 1 (or $MV_DIE_STATUS).
mv_die() {
	printf '%s: error: %s\n' "${MV_PROG:-${0##*/}}" "$*" >&2
	exit "${MV_DIE_STATUS:-1}"
}

# mv_need_root: the rig installs packages and makes device nodes.
mv_need_root() {
	[[ $(id -u) -eq 0 ]] || mv_die "must run as root"
}

# mv_pkg_installed PKG: true if dpkg has PKG fully installed.
mv_pkg_installed() {
	[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == ii* ]]
}

# mv_with_lock FILE CMD...: run CMD while holding an exclusive flock on FILE.
# Serializes steps that concurrent rig runs share (setup, make).
mv_with_lock() {
	local lock=$1
	shift
	mkdir -p "$(dirname "$lock")"
	(
		flock 9
		"$@"
	) 9>"$lock"
}
