#include "famfs/fuse/fmap_rules.h"

#include <algorithm>
#include <cerrno>

#include "famfs/fuse/byte_reader.h"
#include "famfs/fuse/famfs_wire.h"

namespace famlab::famfs::fuse {
namespace {

struct Range {
  uint32_t dev;
  uint64_t offset, length;
};

// A 64-bit sum that remembers whether it ever wrapped.
struct Sum {
  uint64_t value = 0;
  bool wrapped = false;
  void add(uint64_t v) { wrapped |= __builtin_add_overflow(value, v, &value); }
};

std::string range_text(const Range& r) {
  return "[" + std::to_string(r.offset) + ", +" + std::to_string(r.length) + ")";
}

class Checker {
 public:
  Checker(std::span<const uint8_t> reply, const FmapContext& c) : r_(reply), c_(c), size_(reply.size()) {}

  FmapVerdict run() {
    if (size_ > kFmapMaxReply)
      bad("reply of " + std::to_string(size_) + " bytes is larger than the kernel's " +
          std::to_string(kFmapMaxReply) + "-byte limit");
    FmapHeader h{};
    if (!r_.read(h)) {
      bad("reply of " + std::to_string(size_) + " bytes is shorter than the 32-byte map header");
      return std::move(v_);
    }
    header(h);
    if (h.ext_type != kExtSimple && h.ext_type != kExtInterleave) return std::move(v_);  // no layout to walk
    bool complete = true;
    Sum covered;
    for (uint64_t i = 0; i < h.nextents && complete; ++i) {
      const std::string what = "extent " + std::to_string(i);
      if (h.ext_type == kExtSimple) {
        FmapSimpleExt se{};
        if (!r_.read(se)) {
          complete = false;
          bad("reply ends inside " + what + " (" + std::to_string(h.nextents) + " declared)");
          break;
        }
        range(se, what);
        covered.add(se.length);
      } else {
        complete = interleaved(what, covered);
      }
    }
    if (complete && r_.remaining() != 0)
      bad(std::to_string(r_.remaining()) + " bytes after the last record the header declares");
    if (complete && h.nextents >= 1) {
      if (covered.wrapped)
        bad("the extents' sizes wrap around 2^64");
      else if (covered.value < h.file_size)
        bad("extents cover " + std::to_string(covered.value) + " bytes, less than the file size " +
            std::to_string(h.file_size));
    }
    overlaps();
    return std::move(v_);
  }

 private:
  void bad(const std::string& problem) {
    v_.problems.push_back(problem);
    v_.malformed = true;
  }

  void header(const FmapHeader& h) {
    if (h.fmap_version != kFmapVersion) bad("map version " + std::to_string(h.fmap_version) + ", not 1");
    if (h.file_type != kFileTypeRegular)
      bad("file type " + std::to_string(h.file_type) + ", not regular (0)");
    if (h.reserved) bad("header reserved byte is " + std::to_string(h.reserved));
    if (h.reserved0) bad("header reserved0 is " + std::to_string(h.reserved0));
    if (h.reserved1) bad("header reserved1 is " + std::to_string(h.reserved1));
    if (h.ext_type != kExtSimple && h.ext_type != kExtInterleave)
      bad("unknown extent type " + std::to_string(h.ext_type));
    if (h.nextents == 0 || h.nextents > c_.abi->max_extents)
      bad("extent count " + std::to_string(h.nextents) + " outside 1.." +
          std::to_string(c_.abi->max_extents));
    if (h.file_size != c_.file_size)
      bad("map file size " + std::to_string(h.file_size) + " but the file has " +
          std::to_string(c_.file_size));
  }

  // One device range (a simple extent or a strip).
  void range(const FmapSimpleExt& se, const std::string& what) {
    if (se.reserved) bad(what + ": reserved field is " + std::to_string(se.reserved));
    if (se.length == 0) bad(what + ": zero length");
    if (se.offset % kFmapAlign) bad(what + ": offset " + std::to_string(se.offset) + " not 2 MiB aligned");
    if (se.length % kFmapAlign) bad(what + ": length " + std::to_string(se.length) + " not 2 MiB aligned");
    const bool wraps = se.length > UINT64_MAX - se.offset;
    if (wraps) bad(what + ": offset + length wraps around 2^64");
    if (se.devindex >= kMaxDaxdevs) {
      bad(what + ": device index " + std::to_string(se.devindex) +
          " is not a device of this connection: beyond the kernel's table of " + std::to_string(kMaxDaxdevs));
      return;
    }
    auto dev = c_.devices.find(se.devindex);
    if (dev == c_.devices.end()) {
      v_.problems.push_back(what + ": device index " + std::to_string(se.devindex) +
                            " is not a device of this connection");
      v_.unserved_device = true;
      return;
    }
    Range r{se.devindex, se.offset, se.length};
    if (!wraps && (se.offset > dev->second || se.length > dev->second - se.offset))
      bad(what + ": " + range_text(r) + " ends beyond the " + std::to_string(dev->second) + "-byte device " +
          std::to_string(se.devindex));
    if (!wraps && se.length) ranges_.push_back(r);
  }

  // An interleaved extent and its strips; false when the reply ends inside.
  bool interleaved(const std::string& what, Sum& covered) {
    FmapInterleavedExt ie{};
    if (!r_.read(ie)) {
      bad("reply ends inside " + what);
      return false;
    }
    const uint32_t max = c_.abi->max_strips;
    if (ie.nstrips == 0 || ie.nstrips > max)
      bad(what + ": strip count " + std::to_string(ie.nstrips) + " outside 1.." + std::to_string(max));
    const bool chunk_ok =
        ie.chunk_size != 0 && (ie.chunk_size & (ie.chunk_size - 1)) == 0 && ie.chunk_size % kFmapAlign == 0;
    if (!chunk_ok)
      bad(what + ": chunk size " + std::to_string(ie.chunk_size) +
          " is not a power of two multiple of 2 MiB");
    if (ie.nbytes == 0) bad(what + ": zero bytes");
    if (ie.nbytes % kFmapAlign) bad(what + ": size " + std::to_string(ie.nbytes) + " not 2 MiB aligned");
    if (ie.reserved) bad(what + ": reserved field is " + std::to_string(ie.reserved));
    uint64_t shortest = UINT64_MAX;
    for (uint64_t s = 0; s < ie.nstrips; ++s) {
      FmapSimpleExt se{};
      if (!r_.read(se)) {
        bad("reply ends inside " + what + "'s strips (" + std::to_string(ie.nstrips) + " declared)");
        return false;
      }
      range(se, what + " strip " + std::to_string(s));
      shortest = std::min(shortest, se.length);
    }
    // Every strip holds the same number of whole chunks: what the shortest holds.
    // Capacities past 2^64 are refused too: no device is that large, and
    // the kernel computes in 64 bits.
    if (chunk_ok && ie.nstrips) {
      uint64_t capacity = 0;
      if (__builtin_mul_overflow(shortest / ie.chunk_size * ie.chunk_size, uint64_t{ie.nstrips}, &capacity))
        bad(what + ": its strips' capacity does not fit in 64 bits");
      else if (ie.nbytes > capacity)
        bad(what + ": size " + std::to_string(ie.nbytes) + " is more than its strips hold (" +
            std::to_string(capacity) + " bytes)");
    }
    covered.add(ie.nbytes);
    return true;
  }

  void overlaps() {
    std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) {
      return a.dev != b.dev ? a.dev < b.dev : a.offset < b.offset;
    });
    for (size_t i = 1; i < ranges_.size(); ++i) {
      const Range &a = ranges_[i - 1], &b = ranges_[i];
      if (a.dev == b.dev && a.length > b.offset - a.offset)
        bad("ranges " + range_text(a) + " and " + range_text(b) + " on device " + std::to_string(a.dev) +
            " overlap");
    }
  }

  ByteReader r_;
  const FmapContext& c_;
  size_t size_;
  FmapVerdict v_;
  std::vector<Range> ranges_;  // well-formed ranges on served devices
};

}  // namespace

std::vector<int> FmapVerdict::allowed_errnos() const {
  std::vector<int> e;
  if (malformed) e.push_back(EINVAL);
  if (unserved_device) e.push_back(ENODEV);
  return e;
}

FmapVerdict check_fmap(std::span<const uint8_t> reply, const FmapContext& context) {
  return Checker(reply, context).run();
}

}  // namespace famlab::famfs::fuse
