#include "famfs/cli/kernel_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "base/error.h"
#include "base/small_file.h"

namespace famlab::famfs::cli {
namespace {

constexpr const char* kKmemleak = "/sys/kernel/debug/kmemleak";

}  // namespace

KernelLog::KernelLog() : fd_(open("/dev/kmsg", O_RDWR | O_NONBLOCK | O_CLOEXEC)) {
  if (fd_.get() >= 0) lseek(fd_.get(), 0, SEEK_END);  // only what comes from now on
}

std::vector<std::string> KernelLog::take_new() {
  std::vector<std::string> out;
  if (fd_.get() < 0) return out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd_.get(), buf, sizeof(buf));
    if (n > 0) {
      out.push_back(kmsg_text(std::string(buf, static_cast<size_t>(n))));
      continue;
    }
    if (n < 0 && errno == EPIPE) continue;  // records were overwritten; go on with the next
    if (n < 0 && errno == EINTR) continue;
    return out;  // EAGAIN: nothing more for now
  }
}

void KernelLog::mark(const std::string& line) {
  if (fd_.get() < 0) return;
  std::string text = line + "\n";
  (void)!write(fd_.get(), text.data(), text.size());
}

std::string kmsg_text(const std::string& record) {
  size_t semi = record.find(';');
  std::string text = semi == std::string::npos ? record : record.substr(semi + 1);
  size_t end = text.find('\n');  // continuation lines (" KEY=value") follow the message
  return end == std::string::npos ? text : text.substr(0, end);
}

std::optional<uint64_t> meminfo_kb(const std::string& meminfo, const std::string& key) {
  std::istringstream in(meminfo);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    uint64_t kb = 0;
    if (fields >> kb) return kb;
    return std::nullopt;
  }
  return std::nullopt;
}

uint64_t settled_unreclaimable_kb() {
  sync();
  // Twice, with a pause: evicted inodes (and the famfs maps on them) are
  // freed after an RCU grace period, and the first pass can free more.
  for (int pass = 0; pass < 2; ++pass) {
    write_small_file("/proc/sys/vm/drop_caches", "2\n");
    usleep(250 * 1000);
  }
  auto kb = meminfo_kb(read_small_file("/proc/meminfo"), "SUnreclaim");
  if (!kb) throw Error("/proc/meminfo has no SUnreclaim line");
  return *kb;
}

bool kmemleak_available() { return access(kKmemleak, R_OK | W_OK) == 0; }

void kmemleak_clear() { write_small_file(kKmemleak, "clear\n"); }

std::string kmemleak_scan() {
  write_small_file(kKmemleak, "scan\n");
  return read_small_file(kKmemleak);
}

}  // namespace famlab::famfs::cli
