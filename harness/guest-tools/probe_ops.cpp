#include "harness/guest-tools/probe_ops.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

namespace famlab::probe {
namespace {

// SIGBUS while a guarded access runs jumps back here with its si_code.
sigjmp_buf g_jump;
volatile sig_atomic_t g_armed = 0;
volatile sig_atomic_t g_code = 0;

void on_sigbus(int, siginfo_t* info, void*) {
  if (!g_armed) {
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
    return;
  }
  g_code = info->si_code;
  siglongjmp(g_jump, 1);
}

const char* bus_code(int code) {
  switch (code) {
    case BUS_ADRALN:
      return "BUS_ADRALN";
    case BUS_ADRERR:
      return "BUS_ADRERR";
    case BUS_OBJERR:
      return "BUS_OBJERR";
    case BUS_MCEERR_AR:
      return "BUS_MCEERR_AR";
    case BUS_MCEERR_AO:
      return "BUS_MCEERR_AO";
    default:
      return "other";
  }
}

std::string errno_word(int e) {
  return std::string(strerrordesc_np(e) ? strerrordesc_np(e) : "?") + " (" + strerrorname_np(e) + ")";
}

// Runs `access` with SIGBUS caught; "ok" or "SIGBUS CODE".
template <typename F>
std::string guarded(F access) {
  if (sigsetjmp(g_jump, 1) != 0) {
    g_armed = 0;
    return std::string("SIGBUS ") + bus_code(g_code);
  }
  g_armed = 1;
  access();
  g_armed = 0;
  return "ok";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

}  // namespace

std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t used = 0;
  uint64_t v = 0;
  try {
    v = std::stoull(text, &used, 0);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  int shift = unit.empty() ? 0 : unit == "K" ? 10 : unit == "M" ? 20 : unit == "G" ? 30 : -1;
  if (shift < 0 || (shift && v > (UINT64_MAX >> shift))) return std::nullopt;
  return v << shift;
}

std::optional<Op> parse_op(const std::string& word) {
  std::vector<std::string> f = split(word, ':');
  const std::string& name = f[0];
  auto num = [&](size_t i) { return i < f.size() ? parse_size(f[i]) : std::nullopt; };
  Op op;
  op.kind = OpKind::Msync;
  if (name == "msync" || name == "fsync" || name == "fdatasync") {
    if (f.size() != 1) return std::nullopt;
    op.kind = name == "msync" ? OpKind::Msync : name == "fsync" ? OpKind::Fsync : OpKind::Fdatasync;
    return op;
  }
  if (name == "map" || name == "pread") {
    auto off = num(1), len = num(2);
    if (f.size() != 3 || !off || !len || *len == 0) return std::nullopt;
    op.kind = name == "map" ? OpKind::Map : OpKind::Pread;
    op.offset = *off;
    op.length = *len;
    return op;
  }
  if (name == "touch" || name == "write" || name == "hwpoison") {
    auto off = num(1);
    if (f.size() != 2 || !off) return std::nullopt;
    op.kind = name == "touch" ? OpKind::Touch : name == "write" ? OpKind::Write : OpKind::Hwpoison;
    op.offset = *off;
    return op;
  }
  if (name == "copy") {
    auto in = num(2), out = num(3), len = num(4);
    if (f.size() != 5 || f[1].empty() || !in || !out || !len) return std::nullopt;
    op.kind = OpKind::Copy;
    op.path = f[1];
    op.offset = *in;
    op.offset_out = *out;
    op.length = *len;
    return op;
  }
  if (name == "ready" || name == "wait" || name == "show") {
    if (f.size() < 2) return std::nullopt;
    op.kind = name == "ready" ? OpKind::Ready : name == "wait" ? OpKind::Wait : OpKind::Show;
    op.path = word.substr(name.size() + 1);  // paths may hold ':'
    return op.path.empty() ? std::nullopt : std::optional<Op>(op);
  }
  return std::nullopt;
}

bool run_ops(const std::string& file, const std::vector<Op>& ops) {
  bool writable = true;
  int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    writable = false;
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    std::printf("open %s: %s\n", file.c_str(), errno_word(errno).c_str());
    return false;
  }
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGBUS, &sa, nullptr);

  uint8_t* map = nullptr;
  uint64_t map_len = 0;
  for (const Op& op : ops) {
    switch (op.kind) {
      case OpKind::Map: {
        int prot = PROT_READ | (writable ? PROT_WRITE : 0);
        void* p = ::mmap(nullptr, op.length, prot, MAP_SHARED, fd, static_cast<off_t>(op.offset));
        if (p == MAP_FAILED) {
          std::printf("map %llu+%llu: %s\n", (unsigned long long)op.offset, (unsigned long long)op.length,
                      errno_word(errno).c_str());
        } else {
          if (map) ::munmap(map, map_len);
          map = static_cast<uint8_t*>(p);
          map_len = op.length;
          std::printf("map %llu+%llu: ok\n", (unsigned long long)op.offset, (unsigned long long)op.length);
        }
        break;
      }
      case OpKind::Touch:
      case OpKind::Write: {
        const char* what = op.kind == OpKind::Touch ? "touch" : "write";
        if (!map || op.offset >= map_len) {
          std::printf("%s %llu: not mapped\n", what, (unsigned long long)op.offset);
          break;
        }
        volatile uint8_t* at = map + op.offset;
        std::string r = guarded([&] {
          if (op.kind == OpKind::Touch)
            (void)*at;
          else
            *at = static_cast<uint8_t>(*at + 1);
        });
        std::printf("%s %llu: %s\n", what, (unsigned long long)op.offset, r.c_str());
        break;
      }
      case OpKind::Msync: {
        int rc = map ? ::msync(map, map_len, MS_SYNC) : -1;
        std::printf("msync: %s\n", !map ? "not mapped" : rc == 0 ? "ok" : errno_word(errno).c_str());
        break;
      }
      case OpKind::Fsync:
      case OpKind::Fdatasync: {
        int rc = op.kind == OpKind::Fsync ? ::fsync(fd) : ::fdatasync(fd);
        std::printf("%s: %s\n", op.kind == OpKind::Fsync ? "fsync" : "fdatasync",
                    rc == 0 ? "ok" : errno_word(errno).c_str());
        break;
      }
      case OpKind::Pread: {
        std::vector<uint8_t> buf(op.length);
        ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(op.offset));
        if (n < 0)
          std::printf("pread %llu+%llu: %s\n", (unsigned long long)op.offset, (unsigned long long)op.length,
                      errno_word(errno).c_str());
        else
          std::printf("pread %llu+%llu: %zd bytes\n", (unsigned long long)op.offset,
                      (unsigned long long)op.length, n);
        break;
      }
      case OpKind::Hwpoison: {
        if (!map || op.offset >= map_len) {
          std::printf("hwpoison %llu: not mapped\n", (unsigned long long)op.offset);
          break;
        }
        int rc = 0, err = 0;
        uint8_t* page = map + (op.offset & ~uint64_t{4095});
        std::string r = guarded([&] {
          rc = ::madvise(page, 4096, MADV_HWPOISON);
          err = errno;
        });
        if (r != "ok")
          std::printf("hwpoison %llu: %s during the call\n", (unsigned long long)op.offset, r.c_str());
        else
          std::printf("hwpoison %llu: %s\n", (unsigned long long)op.offset,
                      rc == 0 ? "ok" : errno_word(err).c_str());
        break;
      }
      case OpKind::Copy: {
        int dst = ::open(op.path.c_str(), O_WRONLY | O_CLOEXEC);
        if (dst < 0) {
          std::printf("copy: %s: %s\n", op.path.c_str(), errno_word(errno).c_str());
          break;
        }
        loff_t in = static_cast<loff_t>(op.offset), out = static_cast<loff_t>(op.offset_out);
        uint64_t done = 0;
        int err = 0;
        while (done < op.length) {
          ssize_t n = ::copy_file_range(fd, &in, dst, &out, op.length - done, 0);
          if (n < 0) err = errno;
          if (n <= 0) break;
          done += static_cast<uint64_t>(n);
        }
        if (err && !done)
          std::printf("copy: %s\n", errno_word(err).c_str());
        else
          std::printf("copy: %llu bytes\n", (unsigned long long)done);
        ::close(dst);
        break;
      }
      case OpKind::Ready: {
        std::ofstream(op.path) << "ready\n";
        std::printf("ready: %s\n", op.path.c_str());
        break;
      }
      case OpKind::Wait: {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        struct stat st;
        while (::stat(op.path.c_str(), &st) != 0 && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::printf("wait %s: %s\n", op.path.c_str(), ::stat(op.path.c_str(), &st) == 0 ? "ok" : "timed out");
        break;
      }
      case OpKind::Show: {
        // PATH#KEY: the first line holding KEY instead of the first line
        size_t hash = op.path.find('#');
        std::string path = op.path.substr(0, hash);
        std::string key = hash == std::string::npos ? "" : op.path.substr(hash + 1);
        std::ifstream in(path);
        std::string line;
        bool found = false;
        while (in && std::getline(in, line))
          if (line.find(key) != std::string::npos) {
            found = true;
            break;
          }
        std::printf("show %s: %s\n", op.path.c_str(), found ? line.c_str() : "nothing");
        break;
      }
    }
    std::fflush(stdout);
  }
  if (map) ::munmap(map, map_len);
  ::close(fd);
  return true;
}

}  // namespace famlab::probe
