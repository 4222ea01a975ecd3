#include "base/hex.h"

namespace famlab {
namespace {

constexpr char kDigits[] = "0123456789abcdef";

}  // namespace

std::string hex(uint64_t value) { return hex(value, 1); }

std::string hex(uint64_t value, int digits) {
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value & 0xf]);
    value >>= 4;
  } while (value != 0);
  if (static_cast<int>(out.size()) < digits) out.insert(0, static_cast<size_t>(digits) - out.size(), '0');
  return "0x" + out;
}

std::string hex_bytes(const uint8_t* bytes, size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace famlab
