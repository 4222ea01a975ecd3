#pragma once
// Bounded reads from a byte buffer: a read past the end fails instead of
// touching memory it does not own.
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

namespace famlab::famfs::fuse {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }

  // Copies a plain record out of the buffer; false (and no copy) when fewer
  // than sizeof(T) bytes are left.
  template <class T>
  bool read(T& out) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (remaining() < sizeof(T)) return false;
    std::memcpy(&out, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }

  // Like read(), but a short buffer is zero-filled: for structs that older
  // kernels send truncated.
  template <class T>
  void read_prefix(T& out) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memset(&out, 0, sizeof(T));
    size_t n = remaining() < sizeof(T) ? remaining() : sizeof(T);
    if (n == 0) return;  // data() may be null: memcpy must not see it
    std::memcpy(&out, bytes_.data() + pos_, n);
    pos_ += n;
  }

  // A NUL-terminated string; false when no NUL is left in the buffer.
  bool read_cstring(std::string_view& out) {
    if (remaining() == 0) return false;
    const uint8_t* start = bytes_.data() + pos_;
    const void* nul = std::memchr(start, 0, remaining());
    if (nul == nullptr) return false;
    size_t n = static_cast<size_t>(static_cast<const uint8_t*>(nul) - start);
    out = std::string_view(reinterpret_cast<const char*>(start), n);
    pos_ += n + 1;
    return true;
  }

  std::span<const uint8_t> rest() const { return bytes_.subspan(pos_); }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

}  // namespace famlab::famfs::fuse
