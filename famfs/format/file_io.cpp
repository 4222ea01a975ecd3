#include "famfs/format/file_io.h"

#include <algorithm>
#include <cstring>

namespace famlab::famfs::format {
namespace {

// Visits the device pieces behind file bytes [pos, pos + len), clamped to
// the file size. `visit(device_offset, buffer_offset, n)`.
template <class Visit>
std::optional<size_t> walk(uint64_t device_size, const Node& file, uint64_t pos, size_t len, Visit visit) {
  if (pos >= file.size) return 0;
  size_t total = static_cast<size_t>(std::min<uint64_t>(len, file.size - pos));
  size_t done = 0;
  while (done < total) {
    auto piece = locate(file.map, pos + done);
    if (!piece) return std::nullopt;
    size_t n = static_cast<size_t>(std::min<uint64_t>(piece->length, total - done));
    if (piece->offset > device_size || n > device_size - piece->offset) return std::nullopt;
    visit(piece->offset, done, n);
    done += n;
  }
  return done;
}

}  // namespace

std::optional<size_t> read_file(std::span<const uint8_t> device, const Node& file, uint64_t pos,
                                std::span<uint8_t> out) {
  return walk(device.size(), file, pos, out.size(), [&](uint64_t dev, size_t at, size_t n) {
    std::memcpy(out.data() + at, device.data() + dev, n);
  });
}

std::optional<size_t> write_file(std::span<uint8_t> device, const Node& file, uint64_t pos,
                                 std::span<const uint8_t> data) {
  return walk(device.size(), file, pos, data.size(), [&](uint64_t dev, size_t at, size_t n) {
    std::memcpy(device.data() + dev, data.data() + at, n);
  });
}

}  // namespace famlab::famfs::format
