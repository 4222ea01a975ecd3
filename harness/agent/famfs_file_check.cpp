#include "harness/agent/famfs_file_check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/hex.h"
#include "base/unique_fd.h"
#include "base/units.h"
#include "protocol/pattern.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000  // linux/stat.h since 5.8
#endif

namespace famlab::agent {
namespace {

constexpr uint64_t kBoundary = 2ull << 20;     // famfs's unit: chunks are multiples of it
constexpr uint64_t kWritePiece = 1536 * 1024;  // writes that cross boundaries half the time
constexpr uint64_t kReadPiece = 1 << 20;

std::string errno_name(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : std::to_string(e);
}

// First difference between got and the pattern at `offset`, or -1.
int64_t first_difference(const std::string& got, uint64_t seed, uint64_t offset) {
  std::string want = pattern_bytes(seed, offset, got.size());
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) return static_cast<int64_t>(offset + i);
  return -1;
}

struct Checker {
  int fd;
  const protocol::FamfsFile& f;
  uint64_t seed;
  const std::function<void()>& idle;
  std::vector<std::string> problems;

  void problem(const std::string& p) {
    if (problems.size() < 8) problems.push_back(p);
  }

  bool write_all() {
    for (uint64_t off = 0; off < f.size;) {
      uint64_t len = std::min(kWritePiece, f.size - off);
      std::string bytes = pattern_bytes(seed, off, len);
      ssize_t n = pwrite(fd, bytes.data(), len, static_cast<off_t>(off));
      if (n <= 0) {
        problem("pwrite of " + std::to_string(len) + " bytes at " + hex(off) + ": " +
                (n < 0 ? std::strerror(errno) : "wrote nothing"));
        return false;
      }
      off += static_cast<uint64_t>(n);
      if (idle) idle();
    }
    return true;
  }

  bool read_all() {
    std::string buf(kReadPiece, '\0');
    if (lseek(fd, 0, SEEK_SET) != 0) {
      problem(std::string("lseek: ") + std::strerror(errno));
      return false;
    }
    uint64_t off = 0;
    for (;;) {
      ssize_t n = read(fd, buf.data(), buf.size());
      if (n < 0) {
        problem("read at " + hex(off) + ": " + std::strerror(errno));
        return false;
      }
      if (n == 0) break;
      int64_t bad = first_difference(buf.substr(0, static_cast<size_t>(n)), seed, off);
      if (bad >= 0) {
        problem("read(2): byte " + hex(static_cast<uint64_t>(bad)) + " differs from what was written");
        return false;
      }
      off += static_cast<uint64_t>(n);
      if (idle) idle();
    }
    if (off != f.size) {
      problem("read(2) returned " + std::to_string(off) + " bytes of a " + std::to_string(f.size) +
              "-byte file");
      return false;
    }
    return true;
  }

  // One pread that must return `want_len` bytes of the pattern from `off`.
  bool pread_at(uint64_t off, uint64_t len, uint64_t want_len) {
    std::string buf(len, '\0');
    ssize_t n = pread(fd, buf.data(), len, static_cast<off_t>(off));
    if (n < 0 || static_cast<uint64_t>(n) != want_len) {
      problem("pread(" + std::to_string(len) + " at " + hex(off) + ") returned " +
              (n < 0 ? std::string(std::strerror(errno))
                     : std::to_string(n) + " bytes, expected " + std::to_string(want_len)));
      return false;
    }
    buf.resize(want_len);
    int64_t bad = first_difference(buf, seed, off);
    if (bad >= 0) {
      problem("pread(" + std::to_string(len) + " at " + hex(off) + "): byte " +
              hex(static_cast<uint64_t>(bad)) + " differs");
      return false;
    }
    return true;
  }

  bool pread_boundaries(uint64_t& checks) {
    bool ok = true;
    for (uint64_t b = kBoundary; b < f.size; b += kBoundary) {
      // Page-unaligned and byte-unaligned reads across the boundary.
      // (how far before the boundary, how many bytes)
      const std::pair<uint64_t, uint64_t> reads[] = {{4104, 8208}, {3, 11}, {1, kBoundary + 2}};
      for (auto [back, len] : reads) {
        uint64_t off = b - back;
        ++checks;
        ok &= pread_at(off, len, std::min(len, f.size - off));
      }
      if (idle) idle();
    }
    // Across the end of the file: a short read, never bytes past it.
    uint64_t tail = std::min<uint64_t>(100, f.size);
    ++checks;
    ok &= pread_at(f.size - tail, 4096, tail);
    ++checks;
    ok &= pread_at(0, 4096, std::min<uint64_t>(4096, f.size));
    return ok;
  }

  bool mmap_all() {
    void* p = mmap(nullptr, f.size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      problem("mmap(MAP_SHARED) of " + std::to_string(f.size) + " bytes: " + std::strerror(errno));
      return false;
    }
    const auto* words = static_cast<const uint64_t*>(p);
    bool ok = true;
    for (uint64_t w = 0; w < f.size / 8; ++w) {
      if (words[w] != protocol::pattern_word(seed, w * 8)) {
        problem("mmap: word at " + hex(w * 8) + " differs from what was written");
        ok = false;
        break;
      }
      if (w % (kReadPiece / 8) == 0 && idle) idle();
    }
    munmap(p, f.size);
    return ok;
  }
};

}  // namespace

std::string pattern_bytes(uint64_t seed, uint64_t offset, uint64_t length) {
  std::string out(length, '\0');
  uint64_t first = offset / 8 * 8;
  for (uint64_t w = first; w < offset + length; w += 8) {
    uint64_t word = protocol::pattern_word(seed, w);
    for (uint64_t b = 0; b < 8; ++b) {
      uint64_t at = w + b;
      if (at >= offset && at < offset + length) out[at - offset] = reinterpret_cast<const char*>(&word)[b];
    }
  }
  return out;
}

protocol::FamfsFileResult check_famfs_file(const std::string& path, const protocol::FamfsFile& file,
                                           uint64_t seed, const std::function<void()>& idle) {
  protocol::FamfsFileResult r;
  r.name = file.name;
  r.size = file.size;
  r.seed = seed;
  UniqueFd owned(open(path.c_str(), (file.prefilled ? O_RDONLY : O_RDWR) | O_CLOEXEC));
  int fd = owned.get();
  if (fd < 0) {
    int e = errno;
    r.open_errno = e;
    r.open_errno_name = errno_name(e);
    r.open_error = std::string("open ") + path + ": " + std::strerror(e);
    r.problems = {r.open_error};
    return r;
  }
  Checker c{fd, file, seed, idle, {}};
  struct statx stx {};
  if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0) {
    r.dax = (stx.stx_attributes & STATX_ATTR_DAX) != 0;
    r.dax_known = (stx.stx_attributes_mask & STATX_ATTR_DAX) != 0;
    if (stx.stx_size != file.size)
      c.problem("statx size " + std::to_string(stx.stx_size) + ", expected " + std::to_string(file.size));
  } else {
    c.problem(std::string("statx: ") + std::strerror(errno));
  }
  bool ok = c.problems.empty();
  if (!file.prefilled) {
    r.write_ok = c.write_all() && fsync(fd) == 0;
    ok &= r.write_ok;
    // Read back through a second open: without famfs, FUSE drops the page
    // cache at open, so the bytes come from the device through the server
    // (READ) rather than from the pages the writes just filled.
    owned.reset(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    fd = c.fd = owned.get();
    if (fd < 0) {
      c.problem("second open of " + path + " for reading: " + std::strerror(errno));
      r.problems = c.problems;
      return r;
    }
  }
  r.read_ok = ok && c.read_all();
  r.pread_ok = ok && c.pread_boundaries(r.pread_checks);
  r.mmap_ok = ok && c.mmap_all();
  r.ok = ok && r.read_ok && r.pread_ok && r.mmap_ok;
  r.problems = c.problems;
  return r;
}

}  // namespace famlab::agent
