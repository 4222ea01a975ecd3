// famlab-bw: one bandwidth measurement in the guest (see bandwidth.h).
//   famlab-bw io|mmap write|read PATH BYTES [OFFSET]
// Prints one JSON line; exit 1 with a message on failure, 2 on bad usage.
#include <cstdio>
#include <exception>
#include <string>

#include "bandwidth.h"

namespace {

bool parse_size(const std::string& s, uint64_t& out) {
  if (s.empty()) return false;
  size_t used = 0;
  uint64_t v = std::stoull(s, &used, 0);
  std::string unit = s.substr(used);
  if (unit == "K")
    v <<= 10;
  else if (unit == "M")
    v <<= 20;
  else if (unit == "G")
    v <<= 30;
  else if (!unit.empty())
    return false;
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace famlab::bench;
  BandwidthJob job;
  std::string method = argc > 1 ? argv[1] : "", direction = argc > 2 ? argv[2] : "";
  try {
    if ((argc != 5 && argc != 6) || (method != "io" && method != "mmap") ||
        (direction != "write" && direction != "read") || !parse_size(argv[4], job.bytes) ||
        (argc == 6 && !parse_size(argv[5], job.offset))) {
      std::fprintf(stderr, "usage: famlab-bw io|mmap write|read PATH BYTES[K|M|G] [OFFSET]\n");
      return 2;
    }
    job.method = method == "io" ? Method::Io : Method::Mmap;
    job.direction = direction == "write" ? Direction::Write : Direction::Read;
    job.path = argv[3];
    BandwidthResult r = measure_bandwidth(job);
    std::printf("%s\n", to_json_line(job, r).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "famlab-bw: %s\n", e.what());
    return 1;
  }
}
