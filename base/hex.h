#pragma once
// Hexadecimal as the lab writes it in messages, reports and on-device
// dumps: addresses and flags with 0x, byte strings (UUIDs, random ids)
// without.
#include <cstddef>
#include <cstdint>
#include <string>

namespace famlab {

std::string hex(uint64_t value);                        // 0x1f
std::string hex(uint64_t value, int digits);            // hex(0x40, 4) -> 0x0040
std::string hex_bytes(const uint8_t* bytes, size_t n);  // {0xde, 0xad} -> "dead"

}  // namespace famlab
