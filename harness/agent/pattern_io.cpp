#include "harness/agent/pattern_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/error.h"
#include "base/hex.h"
#include "base/unique_fd.h"
#include "base/units.h"
#include "protocol/pattern.h"

namespace famlab::agent {
namespace {

constexpr uint64_t kChunk = 2u << 20;
constexpr size_t kReportedMismatches = 8;

// An open, mapped device that unmaps and closes itself.
class Mapping {
 public:
  Mapping(const std::string& path, uint64_t length) : length_(length) {
    fd_.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_) throw Error("cannot open " + path + ": " + std::strerror(errno));
    void* p = ::mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    if (p == MAP_FAILED) {
      int err = errno;
      throw Error("cannot mmap " + format_size(length_) + " of " + path + ": " + std::strerror(err));
    }
    base_ = static_cast<uint64_t*>(p);
  }
  ~Mapping() { ::munmap(base_, length_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  uint64_t* words() const { return base_; }

 private:
  UniqueFd fd_;
  uint64_t length_;
  uint64_t* base_ = nullptr;
};

void check(const PatternJob& job) {
  if (job.bytes == 0) throw Error("bytes is 0");
  if (job.bytes % 8 != 0) throw Error("bytes (" + std::to_string(job.bytes) + ") is not a multiple of 8");
  if (job.align == 0) throw Error(job.path + " reports alignment 0");
  if (job.bytes > job.device_size)
    throw Error(std::to_string(job.bytes) + " bytes do not fit in " + job.path + " (" +
                format_size(job.device_size) + ")");
}

uint64_t map_length(const PatternJob& job) {
  uint64_t len = (job.bytes + job.align - 1) / job.align * job.align;
  return len > job.device_size && job.device_size >= job.bytes ? job.device_size : len;
}

// Runs `body(words, first_word, word_count)` chunk by chunk with the clock
// and the deadline around it.
using ChunkBody = std::function<void(uint64_t* words, uint64_t first, uint64_t count)>;

PatternRun run_chunks(const PatternJob& job, const std::function<void()>& idle, const ChunkBody& body) {
  check(job);
  Mapping map(job.path, map_length(job));
  auto start = std::chrono::steady_clock::now();
  for (uint64_t off = 0; off < job.bytes; off += kChunk) {
    uint64_t end = std::min(job.bytes, off + kChunk);
    body(map.words(), off / 8, (end - off) / 8);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (job.timeout_s > 0 && elapsed > job.timeout_s && end < job.bytes)
      throw Error("timed out after " + format_seconds(job.timeout_s) + " s with " + format_size(end) +
                  " of " + format_size(job.bytes) + " done");
    if (idle) idle();
  }
  PatternRun run;
  run.bytes = job.bytes;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.mb_per_s = run.seconds > 0 ? static_cast<double>(job.bytes) / 1e6 / run.seconds : 0;
  return run;
}

}  // namespace

PatternRun write_pattern(const PatternJob& job, const std::function<void()>& idle) {
  return run_chunks(job, idle, [&](uint64_t* w, uint64_t first, uint64_t count) {
    for (uint64_t i = first; i < first + count; ++i) w[i] = protocol::pattern_word(job.seed, i * 8);
  });
}

PatternRun verify_pattern(const PatternJob& job, const std::function<void()>& idle) {
  uint64_t mismatches = 0;
  std::vector<uint64_t> first;
  PatternRun run = run_chunks(job, idle, [&](uint64_t* w, uint64_t begin, uint64_t count) {
    for (uint64_t i = begin; i < begin + count; ++i)
      if (w[i] != protocol::pattern_word(job.seed, i * 8)) {
        ++mismatches;
        if (first.size() < kReportedMismatches) first.push_back(i * 8);
      }
  });
  run.mismatches = mismatches;
  run.first_mismatches = first;
  return run;
}

}  // namespace famlab::agent
