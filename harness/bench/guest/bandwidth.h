#pragma once
// Memory bandwidth of one path as a program sees it: plain read(2)/write(2)
// with a large buffer, or memcpy through a shared mmap. `make bench` runs
// it in the guest on a raw devdax device, on a famfs file (fs-dax) and on a
// famfs file served through the server, so the three figures are measured
// the same way.
#include <cstdint>
#include <string>

namespace famlab::bench {

enum class Method { Io, Mmap };
enum class Direction { Write, Read };

struct BandwidthJob {
  std::string path;
  Method method = Method::Io;
  Direction direction = Direction::Read;
  uint64_t offset = 0;  // where in the file or device
  uint64_t bytes = 0;
  uint64_t block = 1 << 20;
};

struct BandwidthResult {
  uint64_t bytes = 0;  // moved
  double seconds = 0;
  double mb_per_s() const { return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0; }
  uint64_t checksum = 0;  // of the bytes read (keeps the copies honest)
};

// Throws std::runtime_error naming the path and the failing call.
BandwidthResult measure_bandwidth(const BandwidthJob& job);

// {"path":..,"method":"io","direction":"read",..,"mb_per_s":..}
std::string to_json_line(const BandwidthJob& job, const BandwidthResult& result);

}  // namespace famlab::bench
