#include "famfs/fuse/fmap_message.h"

#include <algorithm>
#include <utility>

#include "famfs/fuse/byte_reader.h"
#include "famfs/fuse/fmap_rules.h"
#include "famfs/fuse/reply.h"

namespace famlab::famfs::fuse {
namespace {

void append(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

FmapSimpleExt to_wire(const FmapExtent& e) {
  return FmapSimpleExt{e.devindex, e.reserved, e.offset, e.length};
}
FmapExtent from_wire(const FmapSimpleExt& e) {
  return FmapExtent{e.devindex, e.offset, e.length, e.reserved};
}

bool read_extents(ByteReader& r, uint64_t count, std::vector<FmapExtent>& out, std::string& error,
                  const char* what) {
  if (count > r.remaining() / sizeof(FmapSimpleExt)) {
    error = std::string(what) + ": " + std::to_string(count) + " records declared, only " +
            std::to_string(r.remaining()) + " bytes left";
    return false;
  }
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    FmapSimpleExt e{};
    r.read(e);
    out.push_back(from_wire(e));
  }
  return true;
}

}  // namespace

FmapMessage simple_fmap(uint64_t file_size, std::vector<FmapExtent> extents) {
  FmapMessage m;
  m.ext_type = kExtSimple;
  m.file_size = file_size;
  m.nextents = static_cast<uint32_t>(extents.size());
  m.extents = std::move(extents);
  return m;
}

FmapMessage interleaved_fmap(uint64_t file_size, uint32_t chunk_size, std::vector<FmapExtent> strips) {
  FmapInterleave ie;
  ie.nstrips = static_cast<uint32_t>(strips.size());
  ie.chunk_size = chunk_size;
  for (const auto& s : strips) ie.nbytes += s.length;
  ie.strips = std::move(strips);
  FmapMessage m;
  m.ext_type = kExtInterleave;
  m.file_size = file_size;
  m.nextents = 1;
  m.interleaved.push_back(std::move(ie));
  return m;
}

std::vector<uint8_t> encode_fmap(const FmapMessage& m) {
  std::vector<uint8_t> out;
  FmapHeader h{m.file_type, m.reserved,  m.version,   m.ext_type,
               m.nextents,  m.reserved0, m.file_size, m.reserved1};
  append(out, record_bytes(h));
  for (const auto& e : m.extents) append(out, record_bytes(to_wire(e)));
  for (const auto& ie : m.interleaved) {
    FmapInterleavedExt w{ie.nstrips, ie.chunk_size, ie.nbytes, ie.reserved};
    append(out, record_bytes(w));
    for (const auto& s : ie.strips) append(out, record_bytes(to_wire(s)));
  }
  return out;
}

FmapDecodeResult decode_fmap(std::span<const uint8_t> bytes) {
  FmapDecodeResult result;
  ByteReader r(bytes);
  FmapHeader h{};
  if (!r.read(h)) {
    result.error = "fmap of " + std::to_string(bytes.size()) + " bytes is shorter than its header";
    return result;
  }
  FmapMessage m;
  m.file_type = h.file_type;
  m.version = h.fmap_version;
  m.ext_type = h.ext_type;
  m.nextents = h.nextents;
  m.file_size = h.file_size;
  m.reserved = h.reserved;
  m.reserved0 = h.reserved0;
  m.reserved1 = h.reserved1;
  if (h.ext_type == kExtSimple) {
    if (!read_extents(r, h.nextents, m.extents, result.error, "simple extents")) return result;
  } else if (h.ext_type == kExtInterleave) {
    if (h.nextents > r.remaining() / sizeof(FmapInterleavedExt)) {
      result.error = "interleaved extents: " + std::to_string(h.nextents) + " declared, only " +
                     std::to_string(r.remaining()) + " bytes left";
      return result;
    }
    for (uint32_t i = 0; i < h.nextents; ++i) {
      FmapInterleavedExt w{};
      if (!r.read(w)) {
        result.error = "interleaved extent " + std::to_string(i) + " is cut short";
        return result;
      }
      FmapInterleave ie;
      ie.nstrips = w.nstrips;
      ie.chunk_size = w.chunk_size;
      ie.nbytes = w.nbytes;
      ie.reserved = w.reserved;
      if (!read_extents(r, w.nstrips, ie.strips, result.error, "strips")) return result;
      m.interleaved.push_back(std::move(ie));
    }
  } else {
    result.error = "unknown extent type " + std::to_string(h.ext_type);
    return result;
  }
  if (r.remaining() != 0) {
    result.error = std::to_string(r.remaining()) + " bytes after the last record";
    return result;
  }
  result.message = std::move(m);
  return result;
}

std::vector<std::string> fmap_problems(const FmapMessage& m, const FamfsAbi& abi, uint64_t device_size,
                                       uint64_t expected_file_size) {
  return fmap_problems(m, abi, std::map<uint32_t, uint64_t>{{0, device_size}}, expected_file_size);
}

std::vector<std::string> fmap_problems(const FmapMessage& m, const FamfsAbi& abi,
                                       const std::map<uint32_t, uint64_t>& device_sizes,
                                       uint64_t expected_file_size) {
  return check_fmap(encode_fmap(m), FmapContext{&abi, expected_file_size, device_sizes}).problems;
}

}  // namespace famlab::famfs::fuse
