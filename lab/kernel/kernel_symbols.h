#pragma once
// Where a kernel's symbols are: next to its image, wherever famlab keeps
// one. A lab cache entry and a --kernel-tree build hold bzImage, System.map
// and (debug flavour) a vmlinux with line tables; Debian's stock kernel
// holds boot/vmlinuz-R and boot/System.map-R, and its debug package, when
// present, usr/lib/debug/boot/vmlinux-R; a bzImage the user built sits in
// arch/x86/boot/ of a tree whose vmlinux is at the top.
#include <filesystem>

#include "lab/kernel/symbolizer.h"

namespace famlab::kernel {

// The best symbols for `image`: a vmlinux (ELF) before a System.map. The
// path is empty when there are none. fixed_addresses comes from the
// kernel's config beside it (no CONFIG_RANDOMIZE_BASE=y); without a config
// bare addresses are not trusted.
SymbolFile find_symbols(const std::filesystem::path& image);

}  // namespace famlab::kernel
