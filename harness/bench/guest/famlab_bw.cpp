// famlab-bw: one bandwidth measurement in the guest (see bandwidth.h).
//   famlab-bw io|mmap write|read PATH BYTES [OFFSET]
// Prints one JSON line; exit 1 with a message on failure, 2 on bad usage.
#include <cstdio>
#include <exception>
#include <string>

#include "base/units.h"
#include "harness/bench/guest/bandwidth.h"

namespace {

// Sizes as in scenario files ("64M", "4096").
bool parse_size(const char* text, uint64_t& out) {
  auto v = famlab::parse_size(text);
  if (v) out = *v;
  return v.has_value();
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
