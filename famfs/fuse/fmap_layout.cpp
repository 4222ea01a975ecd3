#include "famfs/fuse/fmap_layout.h"

namespace famlab::famfs::fuse {

std::optional<FmapPlace> fmap_locate(const FmapMessage& m, uint64_t off) {
  uint64_t start = 0;
  for (const auto& e : m.extents) {
    if (off - start < e.length && off >= start)
      return FmapPlace{e.devindex, e.offset + (off - start), e.length - (off - start)};
    start += e.length;
  }
  for (const auto& ie : m.interleaved) {
    if (off >= start && off - start < ie.nbytes && ie.chunk_size && !ie.strips.empty()) {
      const uint64_t within_extent = off - start;
      const uint64_t chunk = within_extent / ie.chunk_size, within = within_extent % ie.chunk_size;
      const FmapExtent& strip = ie.strips[chunk % ie.strips.size()];
      const uint64_t left_in_extent = ie.nbytes - within_extent;
      uint64_t run = ie.chunk_size - within;
      if (run > left_in_extent) run = left_in_extent;
      return FmapPlace{strip.devindex, strip.offset + (chunk / ie.strips.size()) * ie.chunk_size + within,
                       run};
    }
    start += ie.nbytes;
  }
  return std::nullopt;
}

std::vector<uint64_t> fmap_seams(const FmapMessage& m, uint64_t limit, size_t max) {
  std::vector<uint64_t> out;
  for (uint64_t off = 0; off < limit && out.size() < max;) {
    auto p = fmap_locate(m, off);
    if (!p || p->run == 0) break;
    off += p->run;
    if (off < limit) out.push_back(off);
  }
  return out;
}

}  // namespace famlab::famfs::fuse
