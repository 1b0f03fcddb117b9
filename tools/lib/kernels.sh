# shellcheck shell=bash
# Debian kernels that boot inside the emulators (source tools/lib/common.sh first).
#
#   mv_kernel_version 6.1|6.12   full version, e.g. 6.1.0-56-amd64, 6.12.117+deb12-amd64
#   mv_kernel_dir VER            $TOP/.cache/kernels/VER (the extracted image package)
#   mv_kernel_image VER          the bzImage: <dir>/boot/vmlinuz-VER
#   mv_kernel_fetched VER        true once mv_kernel_fetch VER has completed
#   mv_kernel_fetch VER          apt-get download + dpkg -x linux-image-VER-unsigned,
#                                then decompress the modules the rig uses
#   mv_kernel_modules VER        those modules (dependencies included), one path per
#                                line, relative to <dir>/lib/modules/VER (kernel/...ko)
#
# Versions are never hard-coded: 6.1 is what linux-headers-amd64 depends on, 6.12 is
# the newest installed linux-headers-6.12.*+deb12-amd64, else the newest apt knows.

# Modules copied into every initramfs, by module name; their dependencies
# (modinfo -F depends, recursively) are added by mv_kernel_fetch.
MV_KERNEL_BASE_MODULES=(kvm kvm_amd kvm_intel irqbypass ccp msr)

# Marker written when a kernel folder is complete, and the module list file.
MV_KERNEL_DONE=.mv-complete
MV_KERNEL_LIST=.mv-modules

mv_kernel_version() {
	local line=${1:-} dep name
	case $line in
	6.1)
		# linux-headers-amd64 Depends: linux-headers-6.1.0-NN-amd64 (= ...)
		if mv_pkg_installed linux-headers-amd64; then
			dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64)
		else
			dep=$(apt-cache depends linux-headers-amd64 2>/dev/null |
				awk '$1 == "Depends:" { print $2; exit }')
		fi
		name=$(grep -oE 'linux-headers-6\.1\.[0-9]+-[0-9]+-amd64' <<<"$dep" | head -n1)
		;;
	6.12)
		name=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
			'linux-headers-6.12.*+deb12-amd64' 2>/dev/null |
			awk '$1 == "ii" { print $2 }' |
			grep -E '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' | sort -V | tail -n1) || true
		if [[ -z $name ]]; then
			name=$(apt-cache pkgnames linux-headers-6.12. 2>/dev/null |
				grep -E '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' | sort -V | tail -n1) || true
		fi
		;;
	*)
		echo "mv_kernel_version: unknown kernel line '$line' (use 6.1 or 6.12)" >&2
		return 1
		;;
	esac
	if [[ -z ${name:-} ]]; then
		echo "mv_kernel_version: no headers package found for $line (run tools/setup-host)" >&2
		return 1
	fi
	echo "${name#linux-headers-}"
}

mv_kernel_dir() {
	echo "$MV_CACHE/kernels/$1"
}

mv_kernel_image() {
	echo "$(mv_kernel_dir "$1")/boot/vmlinuz-$1"
}

mv_kernel_fetched() {
	[[ -f $(mv_kernel_dir "$1")/$MV_KERNEL_DONE ]]
}

mv_kernel_modules() {
	local list
	list=$(mv_kernel_dir "$1")/$MV_KERNEL_LIST
	[[ -f $list ]] || {
		echo "mv_kernel_modules: $1 not fetched (run tools/setup-host)" >&2
		return 1
	}
	cat "$list"
}

# mv_kernel_fetch VER: idempotent; a half-done extraction is redone from scratch.
mv_kernel_fetch() {
	local ver=$1 dir dl deb
	dir=$(mv_kernel_dir "$ver")
	mv_kernel_fetched "$ver" && return 0

	dl=$MV_CACHE/downloads
	mkdir -p "$dl"
	rm -f "$dl"/linux-image-"$ver"-unsigned_*.deb
	# apt-get download writes into the current folder; as root it would warn
	# that the _apt user cannot write there, so download as root.
	(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root \
		"linux-image-$ver-unsigned" >/dev/null) ||
		{ echo "mv_kernel_fetch: apt-get download linux-image-$ver-unsigned failed" >&2; return 1; }
	deb=$(compgen -G "$dl/linux-image-$ver-unsigned_*.deb" | head -n1)
	[[ -n $deb ]] || { echo "mv_kernel_fetch: downloaded .deb not found in $dl" >&2; return 1; }

	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp" || return 1
	dpkg -x "$deb" "$dir.tmp" || return 1
	[[ -f $dir.tmp/boot/vmlinuz-$ver ]] ||
		{ echo "mv_kernel_fetch: $deb has no boot/vmlinuz-$ver" >&2; return 1; }
	rm -f "$deb"

	mv_kernel__resolve_modules "$ver" "$dir.tmp" >"$dir.tmp/$MV_KERNEL_LIST" || return 1
	touch "$dir.tmp/$MV_KERNEL_DONE" && mv "$dir.tmp" "$dir"
}

# mv_kernel__resolve_modules VER ROOT: walk MV_KERNEL_BASE_MODULES and their
# dependencies in the extracted tree ROOT, decompress each (.ko.xz -> .ko, the
# .xz is kept), print their paths relative to ROOT/lib/modules/VER.
mv_kernel__resolve_modules() {
	local ver=$1 moddir=$2/lib/modules/$1 f n dep
	local -a deps=()
	local -A path_of=() seen=()
	local -a queue=("${MV_KERNEL_BASE_MODULES[@]}")

	# Index: module name (with '-' folded to '_') -> relative path without .xz
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%.xz}
		n=${n%.ko}
		path_of[${n//-/_}]=${f%.xz}
	done < <(cd "$moddir" && find kernel -name '*.ko' -o -name '*.ko.xz')

	while ((${#queue[@]})); do
		n=${queue[0]//-/_}
		queue=("${queue[@]:1}")
		[[ -n ${seen[$n]:-} ]] && continue
		seen[$n]=1
		f=${path_of[$n]:-}
		if [[ -z $f ]]; then
			# Not a module in this kernel (built in, or absent): nothing to copy.
			echo "mv_kernel_fetch: $ver: module $n not found, skipped" >&2
			continue
		fi
		if [[ ! -f $moddir/$f && -f $moddir/$f.xz ]]; then
			xz -dk "$moddir/$f.xz" || return 1
		fi
		echo "$f"
		dep=$(modinfo -F depends "$moddir/$f") || return 1
		[[ -n $dep ]] && IFS=, read -r -a deps <<<"$dep" && queue+=("${deps[@]}")
	done
}
