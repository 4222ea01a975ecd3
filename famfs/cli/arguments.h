#pragma once
// Turning command-line text into checked values; errors name the option.
#include <cstdint>
#include <string>

#include "famfs/format/filesystem.h"

namespace famlab::famfs::cli {

// "4G", "2M", "4096"; throws famlab::Error naming `option` otherwise.
uint64_t parse_size_option(const std::string& text, const std::string& option);

// Octal permission bits ("644", "0755"); throws when not octal or > 07777.
uint32_t parse_mode_option(const std::string& text, const std::string& option);

// --strips/--chunk/--extents as the tools take them: no strips means
// simple; extents "6M,4M" (empty: one extent).
format::Layout make_layout(uint32_t strips, const std::string& chunk_text,
                           const std::string& extents_text = "");

}  // namespace famlab::famfs::cli
