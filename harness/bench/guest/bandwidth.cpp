#include "harness/bench/guest/bandwidth.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "base/unique_fd.h"

namespace famlab::bench {
namespace {

[[noreturn]] void fail(const BandwidthJob& job, const std::string& what) {
  throw std::runtime_error(job.path + ": " + what + ": " + std::strerror(errno));
}

UniqueFd open_job(const BandwidthJob& job, bool write) {
  UniqueFd fd(::open(job.path.c_str(), (write ? O_RDWR : O_RDONLY) | O_CLOEXEC));
  if (!fd) fail(job, "open");
  return fd;
}

uint64_t sum_words(const std::vector<uint64_t>& buf, size_t bytes) {
  uint64_t s = 0;
  for (size_t i = 0; i < bytes / 8; ++i) s += buf[i] ^ i;
  return s;
}

void run_io(const BandwidthJob& job, int fd, std::vector<uint64_t>& buf, BandwidthResult& r) {
  uint64_t done = 0;
  while (done < job.bytes) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(job.block, job.bytes - done));
    auto off = static_cast<off_t>(job.offset + done);
    ssize_t got = job.direction == Direction::Write ? ::pwrite(fd, buf.data(), n, off)
                                                    : ::pread(fd, buf.data(), n, off);
    if (got < 0) fail(job, job.direction == Direction::Write ? "pwrite" : "pread");
    if (got == 0) break;  // end of file
    done += static_cast<uint64_t>(got);
    if (job.direction == Direction::Read) r.checksum += sum_words(buf, static_cast<size_t>(got));
  }
  r.bytes = done;
}

void run_mmap(const BandwidthJob& job, int fd, std::vector<uint64_t>& buf, BandwidthResult& r) {
  bool write = job.direction == Direction::Write;
  void* p = ::mmap(nullptr, job.bytes, PROT_READ | (write ? PROT_WRITE : 0), MAP_SHARED, fd,
                   static_cast<off_t>(job.offset));
  if (p == MAP_FAILED) fail(job, "mmap");
  auto* base = static_cast<char*>(p);
  for (uint64_t done = 0; done < job.bytes; done += job.block) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(job.block, job.bytes - done));
    if (write) {
      std::memcpy(base + done, buf.data(), n);
    } else {
      std::memcpy(buf.data(), base + done, n);
      r.checksum += sum_words(buf, n);
    }
  }
  ::munmap(p, job.bytes);
  r.bytes = job.bytes;
}

}  // namespace

BandwidthResult measure_bandwidth(const BandwidthJob& job) {
  if (job.bytes == 0 || job.block == 0 || job.block % 8)
    throw std::runtime_error(job.path + ": bytes must be > 0 and block a nonzero multiple of 8");
  bool write = job.direction == Direction::Write;
  UniqueFd fd = open_job(job, write);
  std::vector<uint64_t> buf(job.block / 8);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = 0x9e3779b97f4a7c15ull * (i + 1);
  BandwidthResult r;
  auto t0 = std::chrono::steady_clock::now();
  if (job.method == Method::Io)
    run_io(job, fd.get(), buf, r);
  else
    run_mmap(job, fd.get(), buf, r);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::string to_json_line(const BandwidthJob& job, const BandwidthResult& r) {
  nlohmann::json j{{"path", job.path},
                   {"method", job.method == Method::Io ? "io" : "mmap"},
                   {"direction", job.direction == Direction::Write ? "write" : "read"},
                   {"offset", job.offset},
                   {"bytes", r.bytes},
                   {"seconds", r.seconds},
                   {"mb_per_s", r.mb_per_s()},
                   {"checksum", r.checksum}};
  return j.dump();
}

}  // namespace famlab::bench
