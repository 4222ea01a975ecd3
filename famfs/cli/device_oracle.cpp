#include "famfs/cli/device_oracle.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "base/hex.h"
#include "famfs/format/superblock.h"
#include "famfs/fuse/fmap_layout.h"

namespace famlab::famfs::cli {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kAround = 16;  // bytes read on each side of a seam

}  // namespace

uint64_t page_tag(uint64_t offset) {
  uint64_t z = offset + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

DeviceOracle::DeviceOracle(const std::string& device) : dev_(format::Device::open(device, true)) {
  format::Superblock sb = format::decode_superblock(dev_->bytes(), dev_->size());
  data_offset_ = sb.data_offset;
}

uint64_t DeviceOracle::tag() {
  uint64_t pages = 0;
  auto bytes = dev_->bytes();
  for (uint64_t at = (data_offset_ + kPage - 1) / kPage * kPage; at + sizeof(uint64_t) <= bytes.size();
       at += kPage, ++pages) {
    uint64_t tag = page_tag(at);
    std::memcpy(bytes.data() + at, &tag, sizeof(tag));
  }
  dev_->flush();
  return pages;
}

std::string DeviceOracle::check(int fd, const fuse::FmapMessage& map, uint64_t size, size_t max_seams) const {
  if (size == 0) return "";
  struct Span {
    uint64_t from, to;
    std::string where;
  };
  // Extent ends, to say which kind of seam a difference sits on.
  std::vector<uint64_t> extent_ends;
  uint64_t end = 0;
  for (const auto& e : map.extents) extent_ends.push_back(end += e.length);
  for (const auto& ie : map.interleaved) extent_ends.push_back(end += ie.nbytes);
  std::vector<Span> spans = {{0, std::min(size, kAround), "at the file's start"}};
  for (uint64_t seam : fuse::fmap_seams(map, size, max_seams)) {
    bool extent_end = std::find(extent_ends.begin(), extent_ends.end(), seam) != extent_ends.end();
    spans.push_back({seam - std::min(seam, kAround), std::min(size, seam + kAround),
                     extent_end ? "across an extent end" : "across a chunk end"});
  }
  spans.push_back({size > kAround ? size - kAround : 0, size, "at the file's end"});
  auto device = dev_->bytes();
  for (const auto& [from, to, where] : spans) {
    uint8_t got[2 * kAround];
    ssize_t n = pread(fd, got, to - from, static_cast<off_t>(from));
    if (n != static_cast<ssize_t>(to - from))
      return where + ": reading " + std::to_string(to - from) + " bytes at " + std::to_string(from) +
             " gave " + (n < 0 ? std::string(std::strerror(errno)) : std::to_string(n) + " bytes");
    for (uint64_t off = from; off < to; ++off) {
      auto place = fuse::fmap_locate(map, off);
      if (!place) return where + ": file offset " + std::to_string(off) + " is outside the map";
      if (place->dev != 0) continue;
      if (place->offset >= device.size())
        return where + ": file offset " + std::to_string(off) + " maps past the device";
      uint8_t want = device[place->offset];
      if (got[off - from] != want)
        return where + ": file offset " + std::to_string(off) + " reads " + hex(got[off - from], 2) +
               ", device offset " + std::to_string(place->offset) + " holds " + hex(want, 2);
    }
  }
  return "";
}

}  // namespace famlab::famfs::cli
