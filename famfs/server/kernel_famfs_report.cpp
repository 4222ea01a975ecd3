#include "famfs/server/kernel_famfs_report.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace famlab::famfs::server {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = s[i + k];
        octal &= c >= '0' && c <= '7';
        v = v * 8 + (c - '0');
      }
      if (octal) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<uint64_t> fuse_connection_number(const std::string& mountpoint, const std::string& mountinfo) {
  std::optional<uint64_t> found;
  std::istringstream lines(mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    // id parent major:minor root mountpoint options ... - fstype source super
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    if (!(fields >> id >> parent >> devno >> root >> point)) continue;
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype;
    tail >> fstype;
    if (fstype != "fuse" && fstype != "fuseblk" && fstype.rfind("fuse.", 0) != 0) continue;
    if (unescape(point) != mountpoint) continue;
    size_t colon = devno.find(':');
    if (colon == std::string::npos) continue;
    try {
      uint64_t major = std::stoull(devno.substr(0, colon));
      uint64_t minor = std::stoull(devno.substr(colon + 1));
      found = (major << 20) | minor;
    } catch (const std::exception&) {
    }
  }
  return found;
}

std::string read_kernel_famfs_line(const std::string& mountpoint) {
  auto n = fuse_connection_number(mountpoint, slurp("/proc/self/mountinfo"));
  if (!n) return "";
  std::string path = "/sys/fs/fuse/connections/" + std::to_string(*n) + "/famfs";
  // The reply was processed inside our write(2); "pending" would only be
  // seen on a kernel that finishes INIT later, so wait a little for it.
  for (int i = 0; i < 20; ++i) {
    std::string line = slurp(path);
    if (line.find("init=pending") == std::string::npos) return line;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return slurp(path);
}

}  // namespace famlab::famfs::server
