#include "famfs/format/file_map.h"

#include <cstdio>

#include "base/hex.h"
#include "base/units.h"
#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

uint64_t map_capacity(const FileMap& map) {
  uint64_t total = 0;
  if (map.kind == FileMap::Kind::Simple) {
    for (const auto& e : map.extents) total += e.length;
    return total;
  }
  // Every strip holds the same number of whole chunks; the shortest bounds it.
  if (map.extents.empty() || map.chunk_size == 0) return 0;
  uint64_t shortest = map.extents.front().length;
  for (const auto& s : map.extents) shortest = s.length < shortest ? s.length : shortest;
  return shortest / map.chunk_size * map.chunk_size * map.extents.size();
}

std::optional<Extent> locate(const FileMap& map, uint64_t pos) {
  if (pos >= map_capacity(map)) return std::nullopt;
  if (map.kind == FileMap::Kind::Simple) {
    for (const auto& e : map.extents) {
      if (pos < e.length) return Extent{e.offset + pos, e.length - pos};
      pos -= e.length;
    }
    return std::nullopt;
  }
  uint64_t chunk = pos / map.chunk_size;
  uint64_t within = pos % map.chunk_size;
  const Extent& strip = map.extents[chunk % map.extents.size()];
  uint64_t row = chunk / map.extents.size();
  return Extent{strip.offset + row * map.chunk_size + within, map.chunk_size - within};
}

std::vector<std::string> map_shape_problems(const FileMap& map, uint64_t file_size) {
  std::vector<std::string> p;
  if (map.extents.empty()) p.push_back("map has no extents");
  for (size_t i = 0; i < map.extents.size(); ++i) {
    const Extent& e = map.extents[i];
    if (e.offset % kAllocUnit || e.length % kAllocUnit || e.length == 0)
      p.push_back("extent " + std::to_string(i) + " [" + hex(e.offset) + ", +" + hex(e.length) +
                  ") is not whole 2 MiB units");
  }
  if (map.kind == FileMap::Kind::Simple) {
    if (map.extents.size() > kMaxSimpleExtents)
      p.push_back(std::to_string(map.extents.size()) + " extents, more than " +
                  std::to_string(kMaxSimpleExtents));
  } else {
    if (map.extents.size() > kMaxStrips)
      p.push_back(std::to_string(map.extents.size()) + " strips, more than " + std::to_string(kMaxStrips));
    if (!power_of_two(map.chunk_size) || map.chunk_size % kAllocUnit || map.chunk_size > kMaxChunkSize)
      p.push_back("chunk size " + std::to_string(map.chunk_size) +
                  " is not a power of two between 2 MiB and 1 GiB");
    for (const auto& s : map.extents)
      if (!map.extents.empty() && s.length != map.extents.front().length) {
        p.push_back("strips differ in length");
        break;
      }
  }
  if (map_capacity(map) < file_size)
    p.push_back("map holds " + std::to_string(map_capacity(map)) + " bytes, less than the file size " +
                std::to_string(file_size));
  return p;
}

std::string describe(const FileMap& map) {
  std::string out;
  if (map.kind == FileMap::Kind::Simple) {
    out = "simple, " + std::to_string(map.extents.size()) + " extent" + (map.extents.size() == 1 ? "" : "s") +
          ":";
  } else {
    out = "interleaved, " + std::to_string(map.extents.size()) + " strips, chunk " +
          format_size(map.chunk_size) + ":";
  }
  for (const auto& e : map.extents) out += " [" + hex(e.offset) + ", +" + format_size(e.length) + ")";
  return out;
}

}  // namespace famlab::famfs::format
