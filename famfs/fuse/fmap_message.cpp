#include "famfs/fuse/fmap_message.h"

#include <algorithm>
#include <utility>

#include "famfs/fuse/byte_reader.h"
#include "famfs/fuse/reply.h"

namespace famlab::famfs::fuse {
namespace {

constexpr uint64_t kAlign = 2ull << 20;  // PMD size: famfs maps whole huge pages

void append(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

FmapSimpleExt to_wire(const FmapExtent& e) { return FmapSimpleExt{e.devindex, 0, e.offset, e.length}; }
FmapExtent from_wire(const FmapSimpleExt& e) { return FmapExtent{e.devindex, e.offset, e.length}; }

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

std::string range_text(const FmapExtent& e) {
  return "[" + std::to_string(e.offset) + ", +" + std::to_string(e.length) + ")";
}

void check_extent(const FmapExtent& e, const std::map<uint32_t, uint64_t>& device_sizes,
                  const std::string& what, std::vector<std::string>& problems) {
  auto dev = device_sizes.find(e.devindex);
  if (dev == device_sizes.end()) {
    problems.push_back(what + ": device index " + std::to_string(e.devindex) +
                       " is not a device of this connection");
    return;
  }
  const uint64_t device_size = dev->second;
  if (e.offset % kAlign)
    problems.push_back(what + ": offset " + std::to_string(e.offset) + " not 2 MiB aligned");
  if (e.length % kAlign)
    problems.push_back(what + ": length " + std::to_string(e.length) + " not 2 MiB aligned");
  if (e.length == 0) problems.push_back(what + ": zero length");
  if (e.offset > device_size || e.length > device_size - e.offset)
    problems.push_back(what + ": " + range_text(e) + " ends beyond the " + std::to_string(device_size) +
                       "-byte device");
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
  FmapHeader h{m.file_type, 0, m.version, m.ext_type, m.nextents, 0, m.file_size, 0};
  append(out, record_bytes(h));
  for (const auto& e : m.extents) append(out, record_bytes(to_wire(e)));
  for (const auto& ie : m.interleaved) {
    FmapInterleavedExt w{ie.nstrips, ie.chunk_size, ie.nbytes, 0};
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
                                       const std::map<uint32_t, uint64_t>& device_size,
                                       uint64_t expected_file_size) {
  std::vector<std::string> problems;
  if (m.version != kFmapVersion) problems.push_back("fmap version " + std::to_string(m.version));
  if (m.file_type != kFileTypeRegular) problems.push_back("file type " + std::to_string(m.file_type));
  if (m.file_size != expected_file_size)
    problems.push_back("file size " + std::to_string(m.file_size) + " but the file has " +
                       std::to_string(expected_file_size));
  if (m.nextents == 0 || m.nextents > abi.max_extents)
    problems.push_back("extent count " + std::to_string(m.nextents) + " outside 1.." +
                       std::to_string(abi.max_extents));
  size_t present = m.ext_type == kExtSimple ? m.extents.size() : m.interleaved.size();
  if (present != m.nextents)
    problems.push_back("header declares " + std::to_string(m.nextents) + " extents, " +
                       std::to_string(present) + " present");

  std::vector<FmapExtent> all;  // every device range, for the overlap check
  uint64_t covered = 0;
  if (m.ext_type == kExtSimple) {
    for (size_t i = 0; i < m.extents.size(); ++i) {
      check_extent(m.extents[i], device_size, "extent " + std::to_string(i), problems);
      covered += m.extents[i].length;
      all.push_back(m.extents[i]);
    }
  } else if (m.ext_type == kExtInterleave) {
    for (size_t i = 0; i < m.interleaved.size(); ++i) {
      const FmapInterleave& ie = m.interleaved[i];
      std::string what = "interleaved extent " + std::to_string(i);
      if (ie.nstrips == 0 || ie.nstrips > abi.max_strips)
        problems.push_back(what + ": strip count " + std::to_string(ie.nstrips) + " outside 1.." +
                           std::to_string(abi.max_strips));
      if (ie.strips.size() != ie.nstrips)
        problems.push_back(what + ": declares " + std::to_string(ie.nstrips) + " strips, " +
                           std::to_string(ie.strips.size()) + " present");
      if (ie.chunk_size == 0 || (ie.chunk_size & (ie.chunk_size - 1)) != 0)
        problems.push_back(what + ": chunk size " + std::to_string(ie.chunk_size) + " is not a power of two");
      else if (ie.chunk_size % kAlign)
        problems.push_back(what + ": chunk size " + std::to_string(ie.chunk_size) + " not 2 MiB aligned");
      if (ie.nbytes == 0) problems.push_back(what + ": zero bytes");
      uint64_t strip_bytes = 0;
      for (size_t s = 0; s < ie.strips.size(); ++s) {
        check_extent(ie.strips[s], device_size, what + " strip " + std::to_string(s), problems);
        strip_bytes += ie.strips[s].length;
        all.push_back(ie.strips[s]);
      }
      covered += std::min(ie.nbytes, strip_bytes);
    }
  } else {
    problems.push_back("unknown extent type " + std::to_string(m.ext_type));
  }
  if (covered < m.file_size)
    problems.push_back("extents cover " + std::to_string(covered) + " bytes, less than the file size " +
                       std::to_string(m.file_size));

  std::sort(all.begin(), all.end(), [](const FmapExtent& a, const FmapExtent& b) {
    return a.devindex != b.devindex ? a.devindex < b.devindex : a.offset < b.offset;
  });
  for (size_t i = 1; i < all.size(); ++i)
    if (all[i - 1].devindex == all[i].devindex && all[i - 1].length > all[i].offset - all[i - 1].offset)
      problems.push_back("ranges " + range_text(all[i - 1]) + " and " + range_text(all[i]) + " overlap");
  return problems;
}

}  // namespace famlab::famfs::fuse
