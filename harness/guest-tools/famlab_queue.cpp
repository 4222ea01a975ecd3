// famlab-queue: the two ends of a shared-memory queue (shared_queue.h).
//   famlab-queue produce FILE COUNT
//   famlab-queue consume FILE COUNT [WAIT_SECONDS]
// The consumer prints one JSON line and exits 0 when every record arrived
// intact and in order, 1 otherwise; 2 on bad usage.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "base/unique_fd.h"
#include "base/units.h"
#include "harness/guest-tools/shared_queue.h"

using namespace famlab::guest_tools;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "famlab-queue: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  auto count = argc > 3 ? famlab::parse_size(argv[3]) : std::nullopt;
  if ((mode != "produce" && mode != "consume") || !count || argc > 5) {
    std::fprintf(stderr, "usage: famlab-queue produce FILE COUNT | consume FILE COUNT [WAIT_SECONDS]\n");
    return 2;
  }
  bool producer = mode == "produce";
  famlab::UniqueFd fd(open(argv[2], (producer ? O_RDWR : O_RDONLY) | O_CLOEXEC));
  if (!fd) fail(std::string(argv[2]) + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) fail(std::string(argv[2]) + ": " + std::strerror(errno));
  uint64_t bytes = static_cast<uint64_t>(st.st_size);
  void* base = mmap(nullptr, bytes, producer ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd.get(), 0);
  if (base == MAP_FAILED) fail(std::string("mmap ") + argv[2] + ": " + std::strerror(errno));
  try {
    if (producer) {
      produce(base, bytes, *count);
      std::printf("{\"produced\":%llu}\n", static_cast<unsigned long long>(*count));
      return 0;
    }
    double wait = argc > 4 ? std::stod(argv[4]) : 30;
    ConsumeReport r = consume(base, bytes, *count, wait);
    std::printf("%s\n", to_json_line(r, *count).c_str());
    return r.received == *count && r.out_of_order == 0 && r.corrupt == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    fail(e.what());
  }
}
