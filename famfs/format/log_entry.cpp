#include "famfs/format/log_entry.h"

#include <algorithm>

#include "base/error.h"
#include "famfs/format/bytes.h"
#include "famfs/format/checksum.h"

namespace famlab::famfs::format {
namespace {

constexpr size_t kCrcOffset = 20;

uint32_t entry_crc(std::span<const uint8_t> entry) {
  // The CRC field counts as zero while the CRC is computed.
  std::vector<uint8_t> copy(entry.begin(), entry.end());
  std::fill(copy.begin() + kCrcOffset, copy.begin() + kCrcOffset + 4, 0);
  return crc32c(copy);
}

EntryDecode torn(std::string reason) {
  EntryDecode d;
  d.status = EntryDecode::Status::Torn;
  d.reason = std::move(reason);
  return d;
}

}  // namespace

std::vector<uint8_t> encode_log_entry(const LogEntry& e) {
  if (e.path.empty() || e.path.size() > kMaxPathBytes)
    throw Error("log entry: path length " + std::to_string(e.path.size()) + " outside 1.." +
                std::to_string(kMaxPathBytes));
  ByteWriter w;
  w.u32(kLogEntryMagic);
  w.u32(0);  // length, patched below
  w.u64(e.seq);
  w.u32(static_cast<uint32_t>(e.type));
  w.u32(0);  // crc, patched below
  w.u32(e.mode);
  w.u32(e.uid);
  w.u32(e.gid);
  w.u32(static_cast<uint32_t>(e.path.size()));
  w.u64(e.mtime);
  w.text(e.path);
  w.pad_to(8);
  if (e.type == EntryType::File && !e.map.stripes.empty()) {
    // Kind 2: several interleaved extents, each with its own strips.
    w.u64(e.size);
    w.u32(2);
    w.u32(static_cast<uint32_t>(e.map.stripes.size()));
    w.u64(0);
    for (const auto& st : e.map.stripes) {
      w.u64(st.nbytes);
      w.u64(st.chunk_size);
      w.u32(static_cast<uint32_t>(st.strips.size()));
      w.u32(0);
      for (const auto& x : st.strips) {
        w.u64(x.offset);
        w.u64(x.length);
      }
    }
  } else if (e.type == EntryType::File) {
    w.u64(e.size);
    w.u32(e.map.kind == FileMap::Kind::Simple ? 0 : 1);
    w.u32(static_cast<uint32_t>(e.map.extents.size()));
    w.u64(e.map.chunk_size);
    for (const auto& x : e.map.extents) {
      w.u64(x.offset);
      w.u64(x.length);
    }
  }
  std::vector<uint8_t>& b = w.bytes();
  if (b.size() > kMaxLogEntryBytes)
    throw Error("log entry: " + std::to_string(b.size()) + " bytes, more than " +
                std::to_string(kMaxLogEntryBytes));
  uint32_t length = static_cast<uint32_t>(b.size());
  std::copy_n(reinterpret_cast<const uint8_t*>(&length), 4, b.begin() + 4);
  uint32_t crc = entry_crc(b);
  std::copy_n(reinterpret_cast<const uint8_t*>(&crc), 4, b.begin() + kCrcOffset);
  return std::move(b);
}

EntryDecode decode_log_entry(std::span<const uint8_t> bytes) {
  if (bytes.size() < kLogEntryHeaderBytes) return EntryDecode{};  // no room left: the end
  auto header = bytes.first(kLogEntryHeaderBytes);
  if (std::all_of(header.begin(), header.end(), [](uint8_t b) { return b == 0; })) return EntryDecode{};

  ByteCursor c(bytes);
  uint32_t magic = 0, length = 0, type = 0, crc = 0;
  LogEntry e;
  c.u32(magic);
  c.u32(length);
  c.u64(e.seq);
  c.u32(type);
  c.u32(crc);
  if (magic != kLogEntryMagic) return torn("bad magic");
  if (length < kLogEntryHeaderBytes || length % 8 != 0 || length > kMaxLogEntryBytes)
    return torn("impossible length " + std::to_string(length));
  if (length > bytes.size())
    return torn("length " + std::to_string(length) + " runs past the end of the log");
  auto whole = bytes.first(length);
  if (entry_crc(whole) != crc) return torn("checksum mismatch");

  // The checksum matched, so a field that does not parse is a bug in the
  // writer, still reported as a torn entry rather than trusted.
  ByteCursor body(whole);
  body.skip(kLogEntryHeaderBytes);
  uint32_t path_len = 0;
  if (type != static_cast<uint32_t>(EntryType::Mkdir) && type != static_cast<uint32_t>(EntryType::File))
    return torn("unknown type " + std::to_string(type));
  e.type = static_cast<EntryType>(type);
  if (!body.u32(e.mode) || !body.u32(e.uid) || !body.u32(e.gid) || !body.u32(path_len) || !body.u64(e.mtime))
    return torn("header fields cut short");
  if (path_len == 0 || path_len > kMaxPathBytes || !body.text(path_len, e.path))
    return torn("bad path length " + std::to_string(path_len));
  body.skip((8 - path_len % 8) % 8);
  if (e.type == EntryType::File) {
    uint32_t kind = 0, count = 0;
    if (!body.u64(e.size) || !body.u32(kind) || !body.u32(count) || !body.u64(e.map.chunk_size))
      return torn("file fields cut short");
    if (kind > 2) return torn("unknown map kind " + std::to_string(kind));
    if (kind == 2) {
      // count interleaved extents, each: nbytes, chunk, nstrips, 0, strips
      if (count > body.remaining() / 24)
        return torn("interleaved extent count " + std::to_string(count) + " runs past the entry");
      std::vector<Stripe> stripes(count);
      for (auto& st : stripes) {
        uint32_t nstrips = 0, zero = 0;
        if (!body.u64(st.nbytes) || !body.u64(st.chunk_size) || !body.u32(nstrips) || !body.u32(zero))
          return torn("interleaved extent cut short");
        if (nstrips > body.remaining() / 16)
          return torn("strip count " + std::to_string(nstrips) + " runs past the entry");
        st.strips.resize(nstrips);
        for (auto& x : st.strips) {
          body.u64(x.offset);
          body.u64(x.length);
        }
      }
      e.map = striped_map(std::move(stripes));
      EntryDecode d;
      d.status = EntryDecode::Status::Ok;
      d.entry = std::move(e);
      d.length = length;
      return d;
    }
    e.map.kind = kind == 0 ? FileMap::Kind::Simple : FileMap::Kind::Interleaved;
    if (count > body.remaining() / 16)
      return torn("extent count " + std::to_string(count) + " runs past the entry");
    e.map.extents.resize(count);
    for (auto& x : e.map.extents) {
      body.u64(x.offset);
      body.u64(x.length);
    }
  }
  EntryDecode d;
  d.status = EntryDecode::Status::Ok;
  d.entry = std::move(e);
  d.length = length;
  return d;
}

}  // namespace famlab::famfs::format
