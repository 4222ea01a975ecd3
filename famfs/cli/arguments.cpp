#include "famfs/cli/arguments.h"

#include "base/error.h"
#include "base/units.h"

namespace famlab::famfs::cli {

uint64_t parse_size_option(const std::string& text, const std::string& option) {
  auto v = parse_size(text);
  if (!v) throw Error(option + ": '" + text + "' is not a size (like 4096, 2M, 1G)");
  return *v;
}

uint32_t parse_mode_option(const std::string& text, const std::string& option) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("01234567") != std::string::npos)
    throw Error(option + ": '" + text + "' is not an octal mode (like 0644)");
  uint32_t mode = static_cast<uint32_t>(std::stoul(text, nullptr, 8));
  if (mode > 07777) throw Error(option + ": '" + text + "' has bits beyond 07777");
  return mode;
}

format::Layout make_layout(uint32_t strips, const std::string& chunk_text, const std::string& extents_text) {
  format::Layout layout;
  layout.strips = strips;
  if (strips > 0) layout.chunk_size = parse_size_option(chunk_text, "--chunk");
  size_t start = 0;
  while (!extents_text.empty() && start <= extents_text.size()) {
    size_t comma = extents_text.find(',', start);
    std::string piece =
        extents_text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    layout.extent_bytes.push_back(parse_size_option(piece, "--extents"));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return layout;
}

}  // namespace famlab::famfs::cli
