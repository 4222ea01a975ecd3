#include "famfs/server/fmap_reply.h"

#include "famfs/format/layout.h"

namespace famlab::famfs::server {
namespace {

using fuse::FmapExtent;
using fuse::FmapMessage;
constexpr uint64_t kUnit = format::kAllocUnit;
// FUSE_FAMFS_MAX_DAXDEVS, the lab kernels' device table per connection.
constexpr uint32_t kKernelDaxdevTable = 16;
// An index inside that table that the server never has (--daxdev stops at
// what the scenario gives; none of them uses 9).
constexpr uint32_t kUnknownDevindex = 9;

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
                           uint64_t device_size) {
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
    case FmapFault::ChunkNotPowerOfTwo:
      m = as_interleaved(m);
      m.interleaved.front().chunk_size =
          static_cast<uint32_t>(3 * kUnit);  // 2 MiB aligned, not a power of two
      break;
    case FmapFault::DevindexBeyondTable:
      first_range(m).devindex = kKernelDaxdevTable;  // one past the last index the kernel keeps
      break;
    case FmapFault::DevindexUnknown:
      first_range(m).devindex = kUnknownDevindex;
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
                                      const fuse::FamfsAbi& abi, uint64_t device_size) {
  std::vector<uint8_t> bytes =
      fuse::encode_fmap(malformed_fmap(fmap_for(file, devindex), fault, abi, device_size));
  if (fault == FmapFault::ShortReply && bytes.size() > sizeof(fuse::FmapHeader))
    bytes.resize(bytes.size() - sizeof(fuse::FmapSimpleExt));  // the header still counts the cut record
  return bytes;
}

}  // namespace famlab::famfs::server
