#include "lab/kernel/bzimage_release.h"

#include <cstdint>
#include <fstream>
#include <vector>

namespace famlab::kernel {
namespace {

constexpr size_t kMagicOffset = 0x202;       // "HdrS"
constexpr size_t kVersionPtrOffset = 0x20E;  // kernel_version, boot protocol 2.00+
constexpr size_t kSetupMax = 64 * 1024;      // setup code is at most 64 KiB

uint16_t le16(const std::vector<char>& b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) | (static_cast<uint8_t>(b[at + 1]) << 8));
}

}  // namespace

std::optional<std::string> read_bzimage_release(const std::filesystem::path& image) {
  std::ifstream in(image, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<char> head(kSetupMax);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.size() < kVersionPtrOffset + 2 || std::string(&head[kMagicOffset], 4) != "HdrS")
    return std::nullopt;
  uint16_t ptr = le16(head, kVersionPtrOffset);
  if (ptr == 0) return std::nullopt;
  std::string release;
  for (size_t i = 0x200 + size_t{ptr}; i < head.size(); ++i) {
    char c = head[i];
    if (c == '\0' || c == ' ') break;
    if (c < 0x21 || c > 0x7e) return std::nullopt;  // not a version string
    release += c;
    if (release.size() > 64) return std::nullopt;
  }
  if (release.empty()) return std::nullopt;
  return release;
}

}  // namespace famlab::kernel
