#pragma once
// WritePattern / VerifyPattern: the protocol's tagged pattern through a
// devdax device. mmap of /dev/daxN.M must use the device's alignment (2 MiB
// by default) for length and offset, so the mapping is rounded up.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace famlab::agent {

struct PatternJob {
  std::string path;  // /dev/dax0.0 (a plain file works too)
  uint64_t device_size = 0;
  uint64_t align = 2u << 20;
  uint64_t bytes = 0;  // multiple of 8, at most device_size
  uint64_t seed = 0;
  double timeout_s = 60;  // <= 0: none
};

struct PatternRun {
  uint64_t bytes = 0;
  double seconds = 0;
  double mb_per_s = 0;  // 10^6 bytes per second
  uint64_t mismatches = 0;
  std::vector<uint64_t> first_mismatches;  // byte offsets, a few at most
};

// Both throw Error for bad arguments, mapping failures and timeouts; `idle`
// is called between 2 MiB chunks so the port keeps moving.
PatternRun write_pattern(const PatternJob& job, const std::function<void()>& idle = {});
PatternRun verify_pattern(const PatternJob& job, const std::function<void()>& idle = {});

}  // namespace famlab::agent
