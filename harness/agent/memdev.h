#pragma once
// A CXL memory device as the kernel shows it: /sys/bus/cxl/devices/memN.
// memN numbers follow probe order and change between boots, so devices are
// found by serial number.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace famlab::agent {

class Memdev {
 public:
  explicit Memdev(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::string name() const;
  uint64_t serial() const;
  uint64_t ram_size() const;   // 0 when the device has no volatile partition
  uint64_t pmem_size() const;  // 0 when it has no persistent partition
  // Its place in /sys/devices: tells which host bridge it sits below.
  std::filesystem::path real_dir() const;

  static std::vector<Memdev> all(const std::filesystem::path& sys);
  static std::optional<Memdev> by_serial(const std::filesystem::path& sys, uint64_t serial);

 private:
  std::filesystem::path dir_;
};

}  // namespace famlab::agent
