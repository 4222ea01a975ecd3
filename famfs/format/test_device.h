#pragma once
// Tests use a sparse regular file as the "dax device".
#include <cstdint>
#include <memory>
#include <string>

#include "famfs/format/device.h"

namespace famlab::famfs::format {

class TempDeviceFile {
 public:
  // In `dir`: /tmp by default; /dev/shm where msync must not wait for a disk.
  explicit TempDeviceFile(uint64_t size, const std::string& dir = "/tmp");
  ~TempDeviceFile();
  const std::string& path() const { return path_; }
  std::unique_ptr<Device> open(bool writable = true) const { return Device::open(path_, writable); }

 private:
  std::string path_;
};

}  // namespace famlab::famfs::format
