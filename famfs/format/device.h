#pragma once
// The bytes the filesystem lives on: a dax character device (/dev/daxX.Y)
// or, in tests and on the host, a regular file. Both are mapped whole and
// shared, which is also the only way devdax can be accessed at all.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/unique_fd.h"

namespace famlab::famfs::format {

class Device {
 public:
  // Throws famlab::Error naming the path (missing, wrong type, empty,
  // mmap refused).
  static std::unique_ptr<Device> open(const std::string& path, bool writable);
  // An already-open descriptor (handed in by a privileged parent); it is
  // duplicated, so the caller keeps its own. `name` is used in messages.
  static std::unique_ptr<Device> from_fd(int fd, const std::string& name, bool writable);

  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  std::span<uint8_t> bytes() { return {base_, size_}; }
  std::span<const uint8_t> bytes() const { return {base_, size_}; }
  int fd() const { return fd_.get(); }
  // Pushes stores to a regular file (msync); a no-op cost on devdax.
  void flush();
  // From now on the mapping is read-only: a store through it faults. A
  // client's server does this once it knows its role.
  void make_read_only();
  bool writable() const { return writable_; }

 private:
  Device(int fd, std::string path, bool writable);
  UniqueFd fd_;
  std::string path_;
  uint64_t size_ = 0;
  uint8_t* base_ = nullptr;
  bool writable_ = false;
};

// Serialises tools that modify the same device (flock on its descriptor).
class DeviceLock {
 public:
  explicit DeviceLock(const Device& device);
  ~DeviceLock();
  DeviceLock(const DeviceLock&) = delete;
  DeviceLock& operator=(const DeviceLock&) = delete;

 private:
  int fd_;
};

// The size of a character device from sysfs (/sys/dev/char/M:m/size).
uint64_t char_device_size(dev_t rdev, const std::string& name);

}  // namespace famlab::famfs::format
