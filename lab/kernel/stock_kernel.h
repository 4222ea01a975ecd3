#pragma once
// Debian's packaged kernel ("stock"): the image behind the metapackage in
// bookworm-backports, with its modules, unpacked into
// cache_dir()/stock/<package>_<version>/. Once there it resolves without
// running apt at all (stock/current names the entry).
#include <filesystem>
#include <string>

#include "lab/kernel/kernel.h"
#include "lab/kernel/kernel_recipe.h"

namespace famlab::kernel {

struct StockPackage {
  std::string name;     // linux-image-6.12.95+deb12-amd64
  std::string version;  // 6.12.95-1~bpo12+1
};

// From `apt-cache show META/RELEASE` output: the linux-image package its
// Depends pins. Errors name the metapackage.
StockPackage parse_metapackage_depends(const std::string& apt_cache_show, const std::string& metapackage);

Kernel resolve_stock_kernel(const StockSource& source, const std::filesystem::path& cache, const Log& log);

// Debian's debug symbols for the stock kernel: the vmlinux of
// linux-image-R-dbg at the stock kernel's exact version (about 1 GB to
// download, once), kept as symbols and line tables only, compressed, in
// <entry>/usr/lib/debug/boot/vmlinux-R, where find_symbols looks. From then
// on stock traces get file:line too. Returns that path; an error names the
// package when apt has no such version.
std::filesystem::path fetch_stock_debug_symbols(const StockSource& source, const std::filesystem::path& cache,
                                                const Log& log);

}  // namespace famlab::kernel
