#pragma once
// How the agent writes numbers in messages meant for people: sizes as in
// topology files ("256M"), serials and addresses in hex, seconds short.
#include <cstdint>
#include <string>

namespace famlab::agent {

std::string format_bytes(uint64_t bytes);  // 268435456 -> "256M", 1000 -> "1000"
std::string hex(uint64_t value);           // 0x1f
std::string format_seconds(double s);      // 5 -> "5", 0.25 -> "0.25"

}  // namespace famlab::agent
