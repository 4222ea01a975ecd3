#pragma once
// The kernel release (uname -r) of a bzImage, read from its x86 boot setup
// header (Documentation/arch/x86/boot.rst): "HdrS" at 0x202, and at 0x20E a
// pointer (minus 0x200) to a NUL-terminated "6.12.117 (user@host) #1 ..."
#include <filesystem>
#include <optional>
#include <string>

namespace famlab::kernel {

// nullopt when the file is not a bzImage or carries no version string.
std::optional<std::string> read_bzimage_release(const std::filesystem::path& image);

}  // namespace famlab::kernel
