#pragma once
// Sizes as people write them in topology and scenario files: "256M", "4G",
// "2MiB", "4096", "16K". Binary units only (K = 1024).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace famlab {

// Parses a size; nullopt when the text is not a size or overflows 64 bits.
std::optional<uint64_t> parse_size(std::string_view text);

// Formats with the largest exact binary unit: 268435456 -> "256M".
std::string format_size(uint64_t bytes);

// Seconds, short: 5 -> "5", 0.25 -> "0.25".
std::string format_seconds(double seconds);

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;

}  // namespace famlab
