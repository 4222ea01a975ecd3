#pragma once
// Encoding replies to /dev/fuse: a fuse_out_header followed by the body.
// The kernel matches a reply to its request by `unique`.
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "famfs/fuse/wire.h"

namespace famlab::famfs::fuse {

using Bytes = std::vector<uint8_t>;

// The raw bytes of one plain record.
template <class T>
std::span<const uint8_t> record_bytes(const T& record) {
  static_assert(std::is_trivially_copyable_v<T>);
  return {reinterpret_cast<const uint8_t*>(&record), sizeof(T)};
}

// errno_value is positive (ENOENT); it travels negated.
Bytes reply_error(uint64_t unique, int errno_value);
Bytes reply_ok(uint64_t unique, std::span<const uint8_t> body = {});
// A notification: unique 0, the notify code (kNotifyStore) in `error`.
Bytes notification(int32_t code, std::span<const uint8_t> body);

template <class T>
Bytes reply_record(uint64_t unique, const T& record) {
  return reply_ok(unique, record_bytes(record));
}

// Builds a READDIR reply body: records padded to 8 bytes, never more than
// the size the kernel asked for.
class DirentBuffer {
 public:
  explicit DirentBuffer(size_t max_bytes) : max_(max_bytes) {}
  // False, and nothing added, when the record would not fit.
  bool add(uint64_t ino, uint64_t next_offset, uint32_t type, std::string_view name);
  const Bytes& bytes() const { return bytes_; }

 private:
  size_t max_;
  Bytes bytes_;
};

// A reply split back into header and body (tests, and the fuzzer's checks).
struct ParsedReply {
  OutHeader header{};
  std::span<const uint8_t> body;
};
std::optional<ParsedReply> parse_reply(std::span<const uint8_t> bytes);

// Reads a plain record from the start of a body; nullopt when too short.
template <class T>
std::optional<T> body_record(std::span<const uint8_t> body) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (body.size() < sizeof(T)) return std::nullopt;
  T out;
  std::memcpy(&out, body.data(), sizeof(T));
  return out;
}

}  // namespace famlab::famfs::fuse
