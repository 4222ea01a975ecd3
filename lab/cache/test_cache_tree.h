#pragma once
// Test helper: a cache directory laid out the way lab/kernel and lab/image
// write it, with files of known sizes and chosen last-use times.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "lab/common/paths.h"

namespace famlab::cache::test_support {

constexpr std::time_t kNow = 1'800'000'000;  // a fixed "now" for the tests
constexpr std::time_t kDay = 24 * 3600;

class CacheTree {
 public:
  const std::filesystem::path& root() const { return dir_.path(); }
  std::filesystem::path operator/(const std::string& rel) const { return root() / rel; }

  // A file of `bytes` (written, so it takes that much disk) at root/rel.
  void file(const std::string& rel, size_t bytes) {
    std::filesystem::create_directories((root() / rel).parent_path());
    std::ofstream(root() / rel, std::ios::binary) << std::string(bytes, 'x');
  }
  void dir(const std::string& rel) { std::filesystem::create_directories(root() / rel); }
  void link(const std::string& from, const std::string& to) {
    std::filesystem::create_directories((root() / to).parent_path());
    std::filesystem::create_hard_link(root() / from, root() / to);
  }
  // Sets the modification time (famlab's "last use") to `days` before kNow.
  void used(const std::string& rel, double days) const {
    timespec t[2];
    t[0].tv_sec = t[1].tv_sec = kNow - static_cast<std::time_t>(days * kDay);
    t[0].tv_nsec = t[1].tv_nsec = 0;
    utimensat(AT_FDCWD, (root() / rel).c_str(), t, AT_SYMLINK_NOFOLLOW);
  }

 private:
  RunDir dir_{"famlab-cache-test-"};
};

}  // namespace famlab::cache::test_support
