#include "famfs/format/file_map.h"

#include <cstdio>

#include "base/hex.h"
#include "base/units.h"
#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Bytes an interleaved extent's strips can hold: the same number of whole
// chunks in each, bounded by the shortest.
uint64_t strips_capacity(const std::vector<Extent>& strips, uint64_t chunk_size) {
  if (strips.empty() || chunk_size == 0) return 0;
  uint64_t shortest = strips.front().length;
  for (const auto& s : strips) shortest = s.length < shortest ? s.length : shortest;
  return shortest / chunk_size * chunk_size * strips.size();
}

// File byte `pos` of an interleaved extent covering `nbytes`.
Extent locate_interleaved(const std::vector<Extent>& strips, uint64_t chunk_size, uint64_t nbytes,
                          uint64_t pos) {
  uint64_t chunk = pos / chunk_size;
  uint64_t within = pos % chunk_size;
  const Extent& strip = strips[chunk % strips.size()];
  uint64_t row = chunk / strips.size();
  uint64_t len = chunk_size - within;
  if (len > nbytes - pos) len = nbytes - pos;  // a partial last chunk ends the extent
  return Extent{strip.offset + row * chunk_size + within, len};
}

std::vector<std::string> stripes_problems(const FileMap& map);

}  // namespace

FileMap striped_map(std::vector<Stripe> stripes) {
  FileMap map;
  map.kind = FileMap::Kind::Interleaved;
  for (const auto& st : stripes) map.extents.insert(map.extents.end(), st.strips.begin(), st.strips.end());
  map.chunk_size = stripes.empty() ? 0 : stripes.front().chunk_size;
  map.stripes = std::move(stripes);
  return map;
}

uint64_t map_capacity(const FileMap& map) {
  uint64_t total = 0;
  if (!map.stripes.empty()) {
    for (const auto& st : map.stripes) total += st.nbytes;
    return total;
  }
  if (map.kind == FileMap::Kind::Simple) {
    for (const auto& e : map.extents) total += e.length;
    return total;
  }
  return strips_capacity(map.extents, map.chunk_size);
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
  if (map.stripes.empty()) return locate_interleaved(map.extents, map.chunk_size, map_capacity(map), pos);
  for (const auto& st : map.stripes) {
    if (pos < st.nbytes) return locate_interleaved(st.strips, st.chunk_size, st.nbytes, pos);
    pos -= st.nbytes;
  }
  return std::nullopt;
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
  } else if (!map.stripes.empty()) {
    auto sp = stripes_problems(map);
    p.insert(p.end(), sp.begin(), sp.end());
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

namespace {

std::vector<std::string> stripes_problems(const FileMap& map) {
  std::vector<std::string> p;
  if (map.stripes.size() > kMaxSimpleExtents)
    p.push_back(std::to_string(map.stripes.size()) + " interleaved extents, more than " +
                std::to_string(kMaxSimpleExtents));
  std::vector<Extent> all;
  for (size_t i = 0; i < map.stripes.size(); ++i) {
    const Stripe& st = map.stripes[i];
    std::string which = "interleaved extent " + std::to_string(i);
    all.insert(all.end(), st.strips.begin(), st.strips.end());
    if (st.strips.empty() || st.strips.size() > kMaxStrips)
      p.push_back(which + ": " + std::to_string(st.strips.size()) + " strips, not 1.." +
                  std::to_string(kMaxStrips));
    if (!power_of_two(st.chunk_size) || st.chunk_size % kAllocUnit || st.chunk_size > kMaxChunkSize)
      p.push_back(which + ": chunk size " + std::to_string(st.chunk_size) +
                  " is not a power of two between 2 MiB and 1 GiB");
    for (const auto& s : st.strips)
      if (s.length != st.strips.front().length) {
        p.push_back(which + ": strips differ in length");
        break;
      }
    if (st.nbytes == 0 || st.nbytes % kAllocUnit)
      p.push_back(which + ": covers " + std::to_string(st.nbytes) + " bytes, not whole 2 MiB units");
    else if (power_of_two(st.chunk_size) && st.nbytes > strips_capacity(st.strips, st.chunk_size))
      p.push_back(which + ": covers " + std::to_string(st.nbytes) + " bytes, more than its strips hold");
  }
  if (all != map.extents) p.push_back("the strips listed do not match the interleaved extents");
  return p;
}

}  // namespace

std::string describe(const FileMap& map) {
  std::string out;
  if (!map.stripes.empty()) {
    out = "interleaved, " + std::to_string(map.stripes.size()) + " extents:";
    for (const auto& st : map.stripes) {
      out += " {" + format_size(st.nbytes) + " over " + std::to_string(st.strips.size()) + " strips, chunk " +
             format_size(st.chunk_size) + ":";
      for (const auto& e : st.strips) out += " [" + hex(e.offset) + ", +" + format_size(e.length) + ")";
      out += "}";
    }
    return out;
  }
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
