#pragma once
// A device-dax instance: /sys/bus/dax/devices/daxN.M. Its driver decides
// what it is: device_dax gives the /dev/daxN.M character device (devdax),
// kmem hands the memory to the page allocator (system-ram).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace famlab::agent {

class DaxDevice {
 public:
  explicit DaxDevice(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::string name() const;
  uint64_t size() const;
  uint64_t align() const;
  std::string driver() const;  // "" when unbound
  // "devdax", "system-ram" or "unbound" (daxctl's words), or "famfs"
  // (famfs_dax, the lab's famfs kernels).
  std::string mode() const;
  std::filesystem::path char_device(const std::filesystem::path& dev) const;

  static std::vector<DaxDevice> all(const std::filesystem::path& sys);
  // The first dax device whose /sys/devices path lies below `parent`
  // (a CXL region, an nd_dax claim).
  static std::optional<DaxDevice> below(const std::filesystem::path& sys,
                                        const std::filesystem::path& parent);

 private:
  std::filesystem::path dir_;
};

}  // namespace famlab::agent
