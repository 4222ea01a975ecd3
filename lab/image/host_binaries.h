#pragma once
// What host programs need and provide inside a guest: the shared libraries
// a dynamic executable loads (asked of ldd), and busybox's applet list.
#include <filesystem>
#include <string>
#include <vector>

namespace famlab::image {

// Libraries ldd reports for `binary`, the dynamic loader included, at the
// paths the host loads them from. Empty for a static binary. A library
// ldd cannot find is an error naming it and the binary.
std::vector<std::filesystem::path> shared_libraries(const std::filesystem::path& binary);
std::vector<std::filesystem::path> parse_ldd_output(const std::string& output, const std::string& binary);

// `busybox --list-full`: applet paths relative to /, e.g. "bin/sh".
std::vector<std::string> busybox_applets(const std::filesystem::path& busybox);

}  // namespace famlab::image
