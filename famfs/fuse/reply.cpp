#include "famfs/fuse/reply.h"

namespace famlab::famfs::fuse {
namespace {

size_t align8(size_t n) { return (n + 7) & ~size_t{7}; }

// An out header (`error`: 0, a negative errno or a notify code) and a body.
Bytes message(int32_t error, uint64_t unique, std::span<const uint8_t> body) {
  OutHeader h{static_cast<uint32_t>(sizeof(OutHeader) + body.size()), error, unique};
  Bytes out;
  out.reserve(h.len);
  auto hb = record_bytes(h);
  out.insert(out.end(), hb.begin(), hb.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace

Bytes reply_error(uint64_t unique, int errno_value) {
  OutHeader h{static_cast<uint32_t>(sizeof(OutHeader)), -errno_value, unique};
  auto b = record_bytes(h);
  return Bytes(b.begin(), b.end());
}

Bytes reply_ok(uint64_t unique, std::span<const uint8_t> body) { return message(0, unique, body); }

Bytes notification(int32_t code, std::span<const uint8_t> body) { return message(code, 0, body); }

bool DirentBuffer::add(uint64_t ino, uint64_t next_offset, uint32_t type, std::string_view name) {
  size_t record = align8(sizeof(DirentHeader) + name.size());
  if (bytes_.size() + record > max_) return false;
  DirentHeader d{ino, next_offset, static_cast<uint32_t>(name.size()), type};
  auto hb = record_bytes(d);
  bytes_.insert(bytes_.end(), hb.begin(), hb.end());
  bytes_.insert(bytes_.end(), name.begin(), name.end());
  bytes_.resize(bytes_.size() + (record - sizeof(DirentHeader) - name.size()), 0);
  return true;
}

std::optional<ParsedReply> parse_reply(std::span<const uint8_t> bytes) {
  auto h = body_record<OutHeader>(bytes);
  if (!h || h->len != bytes.size()) return std::nullopt;
  return ParsedReply{*h, bytes.subspan(sizeof(OutHeader))};
}

}  // namespace famlab::famfs::fuse
