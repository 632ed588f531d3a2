# SPDX-License-Identifier: GPL-2.0
# Building the v4.12..v4.16 trees and the caches of builds.  Source it after
# common.sh.
# shellcheck shell=bash disable=SC2034

NPU_OBJ=arch/powerpc/platforms/powernv/npu-dma.o
NPU_CROSS=${NPU_CROSS:-powerpc64le-linux-gnu-}

# Debian's static busybox for ppc64el, for the initramfs of the ppc64le
# kernels (run-selftest --arch ppc64le): busybox-static:ppc64el cannot be
# installed beside the host's busybox-static (same /bin/busybox), so
# scripts/install-deps unpacks it here
NPU_PPC64EL_BUSYBOX=/usr/local/lib/npu-context/ppc64el/busybox

# What the v4.12..v4.16 trees need on make's command line to build with
# Debian's gcc 12, one entry per need with its reason.  Every build of a
# stable tree (scripts/build-test, scripts/stable-kernel) passes all of them.
#  HOSTCFLAGS=-fcommon  gcc 10 made -fno-common the default; the trees' dtc
#                       defines yylloc twice and fails to link without it.
# Kconfig lines that avoid other breakage live in the fragments, with
# their reasons (config-fragments/stable-x86.config: objtool).
NPU_OLD_TREE_FLAGS=(HOSTCFLAGS=-fcommon)

# And for their x86_64 kernels (scripts/stable-kernel), on top:
#  CROSS_COMPILE=       some trees' Makefiles default it to an ARM compiler
#                       (v4.15.1's: arm-linux-).
#  LDFLAGS=... -z max-page-size=0x200000
#                       binutils 2.31+ align the kernel's segments to 4K by
#                       default; the early page tables of x86_64 need 2M.
#                       Later kernels pass it in arch/x86/Makefile ("The
#                       64-bit kernel must be aligned to 2MB"): the 4.14.67
#                       and 4.16.13 trees do, 4.13.4 does not, and its
#                       kernel faults in startup_64 before any output.  The
#                       value is the whole of what arch/x86/Makefile sets.
NPU_STABLE_X86_FLAGS=(CROSS_COMPILE= "LDFLAGS=-m elf_x86_64 -z max-page-size=0x200000")

# cache_claim OUT: for a build cached at OUT (guest-kernel, stable-kernel).
# If OUT is built, print it and exit 0; else take OUT.lock (fd 9, held
# until the script exits) and return: one build per key at a time, and a
# second caller waits and then reuses the first one's result.
cache_claim() {
	local out=$1
	if [ -e "$out/.done" ]; then
		echo "$out"
		exit 0
	fi
	mkdir -p "$(dirname "$out")"
	exec 9>"$out.lock"
	flock 9
	if [ -e "$out/.done" ]; then
		echo "$out"
		exit 0
	fi
}

# cache_publish DIR OUT: the finished build DIR becomes OUT; print it.
cache_publish() {
	rm -rf "$2"
	mv "$1" "$2"
	touch "$2/.done"
	echo "$2"
}

# module_own_warnings LOG: the warnings of a test module build log that
# come from the module's own sources (built in a module-build/ copy), not
# from the kernel's headers, which in the old trees warn with gcc 12.
module_own_warnings() {
	grep -E 'warning:' "$1" | grep -E 'module-build/[^:]*\.[ch]:' || true
}

# config_check SRC DOTCONFIG FRAGMENT...: every line of the fragments must
# be in the final DOTCONFIG (merge_config.sh's own warnings flag every
# tinyconfig line it overrides, too noisy to use).  A later fragment wins
# over an earlier one.  An option that SRC's Kconfig files do not define is
# named on stdout ("absent: ...") and skipped: a fragment for several
# releases may name options the older ones lack.  Problems go to stdout;
# returns 1 if any.
config_check() {
	local src=$1 dotconfig=$2 f line name want last bad=0 known
	shift 2
	known=$(find "$src" -name 'Kconfig*' -not -path '*/.git/*' -print0 |
		xargs -0 sed -n -E 's/^[[:space:]]*(menu)?config ([A-Za-z0-9_]+)[[:space:]]*$/CONFIG_\2/p' | sort -u)
	for f in "$@"; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=n) want="# ${line%=n} is not set" ;;
			CONFIG_*) want=$line ;;
			"# CONFIG_"*" is not set") want=$line ;;
			*) continue ;;
			esac
			name=${want#\# }
			name=${name%%[= ]*}
			last=$(grep -h -E "^(# )?${name}[= ]" "$@" | tail -n 1)
			[ "$line" = "$last" ] || continue
			if ! grep -qxF "$name" <<<"$known"; then
				echo "absent: $name (not in this tree's Kconfig)"
				continue
			fi
			if [[ $want == "# "* ]]; then
				if grep -q -E "^${name}=" "$dotconfig"; then
					echo "config: $name should be off"
					bad=1
				fi
			elif ! grep -qxF "$want" "$dotconfig"; then
				echo "config: $want did not stick"
				bad=1
			fi
		done <"$f"
	done
	return "$bad"
}
