#!/usr/bin/env bash
# Builds one lab kernel. famlab calls this on a cache miss (and for
# --kernel-tree every time: make decides what is stale); it can also be run by
# hand to reproduce a build exactly.
#
#   build-kernel.sh SOURCE SRC_CACHE WORK_DIR OUT_DIR FRAGMENTS_CSV [PATCHES_CSV]
#
# SOURCE     Debian's /usr/src/linux-source-6.12.tar.xz, or a kernel tree
# SRC_CACHE  where a tarball is unpacked once; shared by all variants
# WORK_DIR   this variant's object tree (build/) and patched source (src/);
#            kept between runs so a rebuild is incremental
# OUT_DIR    receives bzImage, config, release, System.map, and vmlinux when
#            the config has debug info (symbols and line tables only)
# FRAGMENTS  config fragments merged on top of tinyconfig, in order
# PATCHES    patches applied (patch -p1) in order to a copy of the tree
#
# Environment: FAMLAB_JOBS (default: nproc), CCACHE_DIR (default:
# SRC_CACHE/../ccache).
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 SOURCE SRC_CACHE WORK_DIR OUT_DIR FRAGMENTS_CSV [PATCHES_CSV]" >&2
  exit 2
fi
source=$1 src_cache=$2 work=$3 out=$4 fragments=$5 patches=${6:-}
mkdir -p "$work" "$out"

if [ -d "$source" ]; then
  pristine=$(cd "$source" && pwd)
else
  mkdir -p "$src_cache"
  name=$(basename "$source" .tar.xz)
  pristine=$src_cache/$name
  # Unpack beside the final name and rename, so an interrupted unpack is
  # never mistaken for a complete tree.
  if [ ! -f "$pristine/.famlab-unpacked" ]; then
    echo "famlab: unpacking $source"
    rm -rf "$pristine.tmp" && mkdir -p "$pristine.tmp"
    tar -xf "$source" -C "$pristine.tmp" --strip-components=1
    touch "$pristine.tmp/.famlab-unpacked"
    rm -rf "$pristine" && mv "$pristine.tmp" "$pristine"
  fi
fi

# Patched variants get a hard-linked copy: patch(1) writes a new file for
# each one it touches, so the pristine tree stays pristine and unchanged
# files keep their mtimes (make rebuilds only what the patches touched).
# Every variant, patched or not, builds from WORK_DIR/src: with the same
# layout everywhere, ccache (CCACHE_BASEDIR below) sees the same relative
# paths in every variant and reuses one variant's objects for the others.
# A user's own tree (SOURCE a directory, no patches) is built in place,
# out of tree: it may live on another filesystem, where hard links fail.
tree=$work/src
if [ -d "$source" ] && [ -z "$patches" ]; then
  tree=$pristine
else
  rm -rf "$tree" && cp -al "$pristine" "$tree"
fi
if [ -n "$patches" ]; then
  IFS=, read -ra plist <<<"$patches"
  for p in "${plist[@]}"; do
    echo "famlab: applying $p"
    rm -f "$work/patch.rej"
    if ! patch -p1 -d "$tree" --forward --no-backup-if-mismatch --reject-file="$work/patch.rej" <"$p"; then
      echo "famlab: patch $p does not apply; rejected hunks:"
      [ -f "$work/patch.rej" ] && cat "$work/patch.rej"
      exit 3
    fi
  done
fi

build=$work/build
mkdir -p "$build"
export ARCH=x86_64
# Fixed identity in the version string: same inputs, same bytes in init/version.
export KBUILD_BUILD_USER=famlab KBUILD_BUILD_HOST=famlab
export CCACHE_DIR=${CCACHE_DIR:-$src_cache/../ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(cd "$work/.." && pwd)}
export CCACHE_NOHASHDIR=true
cc="gcc"
command -v ccache >/dev/null && cc="ccache gcc"
jobs=${FAMLAB_JOBS:-$(nproc)}

echo "famlab: configuring $build (tinyconfig + $fragments)"
make -s -C "$tree" O="$build" CC="$cc" tinyconfig
IFS=, read -ra flist <<<"$fragments"
"$tree/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "${flist[@]}"
make -s -C "$tree" O="$build" CC="$cc" olddefconfig
echo "famlab: make -j$jobs bzImage"
make -C "$tree" O="$build" CC="$cc" -j"$jobs" bzImage
cp "$build/arch/x86/boot/bzImage" "$out/bzImage"
cp "$build/.config" "$out/config"
cp "$build/System.map" "$out/System.map"
# With debug info, the host symbolizes traces with addr2line on vmlinux. It
# needs the symbol table and the debug sections, not the code: keep only
# those (--only-keep-debug), compressed; without .notes the emptied code
# segments take no room in the file either (65 MB -> 15 MB).
if grep -q '^CONFIG_DEBUG_INFO=y' "$build/.config"; then
  echo "famlab: keeping vmlinux (symbols and line tables)"
  objcopy --only-keep-debug --remove-section=.notes --compress-debug-sections=zstd "$build/vmlinux" "$out/vmlinux"
fi
make -s -C "$tree" O="$build" kernelrelease >"$out/release"
echo "famlab: built $(cat "$out/release")"
