#include "famfs/server/fmap_reply.h"

#include <algorithm>

#include "famfs/format/layout.h"
#include "famfs/fuse/fmap_rules.h"

namespace famlab::famfs::server {
namespace {

using fuse::FmapExtent;
using fuse::FmapMessage;
constexpr uint64_t kUnit = format::kAllocUnit;

// A simple map seen as one interleaved extent with a single strip, so the
// strip and chunk faults have something to break.
FmapMessage as_interleaved(const FmapMessage& m) {
  if (m.ext_type == fuse::kExtInterleave || m.extents.empty()) return m;
  return fuse::interleaved_fmap(m.file_size, static_cast<uint32_t>(kUnit), {m.extents.front()});
}

// The first device range of the message (extent or strip), to be bent.
FmapExtent& first_range(FmapMessage& m) {
  return m.ext_type == fuse::kExtSimple ? m.extents.front() : m.interleaved.front().strips.front();
}

// One more range of length 0, right after the first one (so nothing
// overlaps): as a second simple extent while the count allows, else as a
// further strip (an interleaved extent's capacity then drops to 0 too:
// its shortest strip holds no chunk).
void add_zero_length_range(FmapMessage& m, const fuse::FamfsAbi& abi) {
  if (m.ext_type == fuse::kExtSimple && m.extents.size() < abi.max_extents) {
    FmapExtent first = m.extents.front();
    m.extents.push_back(FmapExtent{first.devindex, first.offset + first.length, 0});
    m.nextents = static_cast<uint32_t>(m.extents.size());
    return;
  }
  m = as_interleaved(m);
  auto& ie = m.interleaved.front();
  FmapExtent last = ie.strips.back();
  ie.strips.push_back(FmapExtent{last.devindex, last.offset + last.length, 0});
  ie.nstrips = static_cast<uint32_t>(ie.strips.size());
}

// Shortens the map from its end until it covers the largest 2 MiB multiple
// below the file size, so only the coverage rule breaks. A file within one
// unit has no such map: its last range ends up with length 0.
void cover_less_than_the_file(FmapMessage& m) {
  const uint64_t target = m.file_size == 0 ? 0 : (m.file_size - 1) / kUnit * kUnit;
  auto shorten = [](uint64_t& length, uint64_t& excess) {
    uint64_t cut = std::min(length, excess);
    length -= cut;
    excess -= cut;
  };
  if (m.ext_type == fuse::kExtSimple) {
    uint64_t covered = 0;
    for (const auto& e : m.extents) covered += e.length;
    uint64_t excess = covered > target ? covered - target : 0;
    while (excess && m.extents.size() > 1 && m.extents.back().length <= excess) {
      excess -= m.extents.back().length;
      m.extents.pop_back();
    }
    shorten(m.extents.back().length, excess);
    m.nextents = static_cast<uint32_t>(m.extents.size());
  } else {
    uint64_t covered = 0;
    for (const auto& ie : m.interleaved) covered += ie.nbytes;
    uint64_t excess = covered > target ? covered - target : 0;
    while (excess && m.interleaved.size() > 1 && m.interleaved.back().nbytes <= excess) {
      excess -= m.interleaved.back().nbytes;
      m.interleaved.pop_back();
    }
    shorten(m.interleaved.back().nbytes, excess);
    m.nextents = static_cast<uint32_t>(m.interleaved.size());
  }
}

}  // namespace

FmapMessage fmap_for(const format::Node& file, uint32_t devindex) {
  if (!file.map.stripes.empty()) {
    // Several interleaved extents: one on the wire for each, in file order.
    FmapMessage m = fuse::interleaved_fmap(file.size, 0, {});
    m.interleaved.clear();
    for (const auto& st : file.map.stripes) {
      fuse::FmapInterleave ie;
      ie.nstrips = static_cast<uint32_t>(st.strips.size());
      ie.chunk_size = static_cast<uint32_t>(st.chunk_size);
      ie.nbytes = st.nbytes;
      for (const auto& e : st.strips) ie.strips.push_back(FmapExtent{devindex, e.offset, e.length});
      m.interleaved.push_back(std::move(ie));
    }
    m.nextents = static_cast<uint32_t>(m.interleaved.size());
    return m;
  }
  std::vector<FmapExtent> ranges;
  for (const auto& e : file.map.extents) ranges.push_back(FmapExtent{devindex, e.offset, e.length});
  if (file.map.kind == format::FileMap::Kind::Simple) return fuse::simple_fmap(file.size, std::move(ranges));
  return fuse::interleaved_fmap(file.size, static_cast<uint32_t>(file.map.chunk_size), std::move(ranges));
}

FmapMessage malformed_fmap(const FmapMessage& good, FmapFault fault, const fuse::FamfsAbi& abi,
                           uint64_t device_size, uint32_t unserved_device) {
  FmapMessage m = good;
  if (m.extents.empty() && m.interleaved.empty()) return m;  // nothing to bend
  switch (fault) {
    case FmapFault::None:
    case FmapFault::ShortReply:  // done on the bytes
      break;
    case FmapFault::Overlap:
      if (m.ext_type == fuse::kExtSimple) {
        m.extents.push_back(m.extents.front());  // the same bytes twice
        m.nextents = static_cast<uint32_t>(m.extents.size());
      } else {
        auto& ie = m.interleaved.front();
        ie.strips.push_back(ie.strips.front());
        ie.nstrips = static_cast<uint32_t>(ie.strips.size());
        ie.nbytes += ie.strips.front().length;
      }
      break;
    case FmapFault::BeyondDevice:
      first_range(m).offset = format::round_up(device_size, kUnit);
      break;
    case FmapFault::MisalignedOffset:
      first_range(m).offset += 4096;
      break;
    case FmapFault::MisalignedLength:
      first_range(m).length += 4096;  // still covers the file: only alignment is wrong
      break;
    case FmapFault::ZeroExtents:
      m.nextents = 0;
      m.extents.clear();
      m.interleaved.clear();
      break;
    case FmapFault::HugeExtentCount:
      m.nextents = 0xFFFFFFFFu;  // the records that follow stay as they were
      break;
    case FmapFault::TooManyExtents:
      if (m.ext_type == fuse::kExtSimple) {
        // max+1 disjoint 2 MiB extents from the file's start (continuing
        // past its own units when it is smaller than that).
        FmapExtent start = m.extents.front();
        m.extents.clear();
        for (uint32_t i = 0; i <= abi.max_extents; ++i)
          m.extents.push_back(FmapExtent{0, start.offset + i * kUnit, kUnit});
        m.nextents = static_cast<uint32_t>(m.extents.size());
      } else {
        auto ie = m.interleaved.front();
        m.interleaved.assign(abi.max_extents + 1, ie);
        m.nextents = static_cast<uint32_t>(m.interleaved.size());
      }
      break;
    case FmapFault::TooManyStrips: {
      m = as_interleaved(m);
      auto& ie = m.interleaved.front();
      FmapExtent last = ie.strips.back();
      while (ie.strips.size() <= abi.max_strips) {
        last.offset += last.length;  // disjoint strips after the real ones
        ie.strips.push_back(last);
        ie.nbytes += last.length;
      }
      ie.nstrips = static_cast<uint32_t>(ie.strips.size());
      break;
    }
    case FmapFault::ChunkZero:
      m = as_interleaved(m);
      m.interleaved.front().chunk_size = 0;
      break;
    case FmapFault::ChunkNotPowerOfTwo: {
      // 6 MiB: 2 MiB aligned, not a power of two. Everything else stays
      // valid (each strip holds whole chunks, strips side by side), so
      // only the power-of-two check can refuse the map.
      m = as_interleaved(m);
      auto& ie = m.interleaved.front();
      const uint64_t chunk = 3 * kUnit;
      ie.chunk_size = static_cast<uint32_t>(chunk);
      uint64_t at = ie.strips.front().offset;
      for (auto& strip : ie.strips) {
        strip.length = (strip.length + chunk - 1) / chunk * chunk;
        strip.offset = at;
        at += strip.length;
      }
      break;
    }
    case FmapFault::DevindexBeyondTable:
      first_range(m).devindex = fuse::kMaxDaxdevs;
      break;
    case FmapFault::DevindexUnknown:
      first_range(m).devindex = unserved_device;
      break;
    case FmapFault::ZeroLengthExtent:
      add_zero_length_range(m, abi);
      break;
    case FmapFault::ExtentWraps:
      first_range(m).offset = UINT64_MAX - kUnit + 1;  // aligned; + any length >= 2 MiB passes 2^64
      break;
    case FmapFault::ShortCoverage:
      cover_less_than_the_file(m);
      break;
    case FmapFault::ReservedHeader:
      m.reserved = 0x5a;
      m.reserved0 = 0x5a5a5a5au;
      m.reserved1 = 0x5a5a5a5a5a5a5a5aull;
      break;
    case FmapFault::ReservedExtent:
      first_range(m).reserved = 0xa5a5a5a5u;
      break;
    case FmapFault::ReservedInterleave:
      m = as_interleaved(m);
      m.interleaved.front().reserved = 0xa5a5a5a5a5a5a5a5ull;
      break;
    case FmapFault::StripsZero:
      m = as_interleaved(m);
      m.interleaved.front().nstrips = 0;
      m.interleaved.front().strips.clear();
      break;
    case FmapFault::HugeStripCount:
      m = as_interleaved(m);
      m.interleaved.front().nstrips = 0xFFFFFFFFu;  // the strips that follow stay as they were
      break;
    case FmapFault::WrongFileSize:
      // One byte short of the file: the extents still cover it, so only the
      // rule "map size == the file's size" can refuse it (a size past the
      // map's capacity would be caught by the coverage rule first).
      m.file_size = m.file_size > 1 ? m.file_size - 1 : m.file_size + 1;
      break;
  }
  return m;
}

std::vector<uint8_t> fmap_reply_bytes(const format::Node& file, uint32_t devindex, FmapFault fault,
                                      const fuse::FamfsAbi& abi, uint64_t device_size,
                                      uint32_t unserved_device) {
  std::vector<uint8_t> bytes =
      fuse::encode_fmap(malformed_fmap(fmap_for(file, devindex), fault, abi, device_size, unserved_device));
  if (fault == FmapFault::ShortReply && bytes.size() > sizeof(fuse::FmapHeader))
    bytes.resize(bytes.size() - sizeof(fuse::FmapSimpleExt));  // the header still counts the cut record
  return bytes;
}

}  // namespace famlab::famfs::server
