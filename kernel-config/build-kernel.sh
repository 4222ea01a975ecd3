#!/usr/bin/env bash
# Builds one lab kernel variant. famlab calls this on a cache miss; it can
# also be run by hand to reproduce a build exactly.
#
#   build-kernel.sh SRC_TARBALL SRC_CACHE OUT_DIR FRAGMENTS_CSV [PATCHES_CSV]
#
# SRC_TARBALL  Debian's /usr/src/linux-source-6.12.tar.xz
# SRC_CACHE    where the pristine tree is unpacked once and shared by variants
# OUT_DIR      receives build/ (object tree), bzImage, .config, release
# FRAGMENTS    config fragments merged on top of tinyconfig, in order
# PATCHES      patches applied (patch -p1) to a private copy of the tree
set -euo pipefail
tarball=$1 src_cache=$2 out=$3 fragments=$4 patches=${5:-}

mkdir -p "$src_cache" "$out"
name=$(basename "$tarball" .tar.xz)
pristine=$src_cache/$name
if [ ! -f "$pristine/.famlab-unpacked" ]; then
  rm -rf "$pristine.tmp" && mkdir -p "$pristine.tmp"
  tar -xf "$tarball" -C "$pristine.tmp" --strip-components=1
  touch "$pristine.tmp/.famlab-unpacked"
  rm -rf "$pristine" && mv "$pristine.tmp" "$pristine"
fi

# Patched variants get a hard-linked copy: patch(1) replaces the files it
# touches, so the pristine tree stays pristine.
tree=$pristine
if [ -n "$patches" ]; then
  tree=$out/src
  rm -rf "$tree" && cp -al "$pristine" "$tree"
  IFS=, read -ra plist <<<"$patches"
  for p in "${plist[@]}"; do
    if ! patch -p1 -d "$tree" --forward --no-backup-if-mismatch -s <"$p" >"$out/patch.log" 2>&1; then
      echo "famlab: patch $p does not apply:" >&2
      cat "$out/patch.log" >&2
      exit 3
    fi
  done
fi

build=$out/build
mkdir -p "$build"
export ARCH=x86_64
cc="gcc"
command -v ccache >/dev/null && cc="ccache gcc"
export CCACHE_DIR=${CCACHE_DIR:-$src_cache/../ccache}
make -s -C "$tree" O="$build" CC="$cc" tinyconfig >/dev/null
IFS=, read -ra flist <<<"$fragments"
"$tree/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "${flist[@]}" >"$out/merge.log"
make -s -C "$tree" O="$build" CC="$cc" olddefconfig >/dev/null
make -s -C "$tree" O="$build" CC="$cc" -j"$(nproc)" bzImage
cp "$build/arch/x86/boot/bzImage" "$out/bzImage"
cp "$build/.config" "$out/config"
make -s -C "$tree" O="$build" kernelrelease >"$out/release"
