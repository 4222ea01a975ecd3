#pragma once
// Little-endian field access for the on-device structures. Writers append;
// readers fail (return false) instead of reading past the end.
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace famlab::famfs::format {

static_assert(std::endian::native == std::endian::little, "the on-device format is little-endian");

class ByteWriter {
 public:
  void u32(uint32_t v) { put(&v, sizeof(v)); }
  void u64(uint64_t v) { put(&v, sizeof(v)); }
  void raw(std::span<const uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  void text(std::string_view s) { bytes_.insert(bytes_.end(), s.begin(), s.end()); }
  void pad_to(size_t multiple) { bytes_.resize((bytes_.size() + multiple - 1) / multiple * multiple, 0); }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  void put(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  std::vector<uint8_t> bytes_;
};

class ByteCursor {
 public:
  explicit ByteCursor(std::span<const uint8_t> b) : bytes_(b) {}
  size_t position() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool u32(uint32_t& v) { return get(&v, sizeof(v)); }
  bool u64(uint64_t& v) { return get(&v, sizeof(v)); }
  bool raw(std::span<uint8_t> out) { return get(out.data(), out.size()); }
  bool text(size_t n, std::string& out) {
    if (remaining() < n) return false;
    out.assign(reinterpret_cast<const char*>(bytes_.data()) + pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  bool get(void* p, size_t n) {
    if (remaining() < n) return false;
    std::memcpy(p, bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

}  // namespace famlab::famfs::format
