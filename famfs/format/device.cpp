#include "famfs/format/device.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/error.h"

namespace famlab::famfs::format {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

uint64_t char_device_size(dev_t rdev, const std::string& name) {
  std::string sys =
      "/sys/dev/char/" + std::to_string(major(rdev)) + ":" + std::to_string(minor(rdev)) + "/size";
  std::ifstream f(sys);
  uint64_t size = 0;
  if (!(f >> size))
    throw Error(name + ": character device without a size in " + sys + " (not a dax device?)");
  return size;
}

std::unique_ptr<Device> Device::open(const std::string& path, bool writable) {
  int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open: " + errno_text());
  return std::unique_ptr<Device>(new Device(fd, path, writable));
}

std::unique_ptr<Device> Device::from_fd(int fd, const std::string& name, bool writable) {
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (own < 0) throw Error(name + ": descriptor " + std::to_string(fd) + " is not usable: " + errno_text());
  return std::unique_ptr<Device>(new Device(own, name, writable));
}

Device::Device(int fd, std::string path, bool writable)
    : fd_(fd), path_(std::move(path)), writable_(writable) {
  struct stat st {};
  if (fstat(fd_.get(), &st) != 0) throw Error(path_ + ": cannot stat: " + errno_text());
  if (S_ISREG(st.st_mode))
    size_ = static_cast<uint64_t>(st.st_size);
  else if (S_ISCHR(st.st_mode))
    size_ = char_device_size(st.st_rdev, path_);
  else
    throw Error(path_ + ": neither a regular file nor a dax character device");
  if (size_ == 0) throw Error(path_ + ": device is empty (0 bytes)");
  void* p = mmap(nullptr, size_, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED)
    throw Error(path_ + ": cannot map " + std::to_string(size_) + " bytes: " + errno_text());
  base_ = static_cast<uint8_t*>(p);
}

Device::~Device() {
  if (base_) munmap(base_, size_);
}

void Device::flush() { msync(base_, size_, MS_SYNC); }

void Device::make_read_only() {
  if (!writable_) return;
  if (mprotect(base_, size_, PROT_READ) != 0)
    throw Error(path_ + ": cannot make the mapping read-only: " + errno_text());
  writable_ = false;
}

DeviceLock::DeviceLock(const Device& device) : fd_(device.fd()) {
  while (flock(fd_, LOCK_EX) != 0)
    if (errno != EINTR) throw Error(device.path() + ": cannot lock: " + errno_text());
}

DeviceLock::~DeviceLock() { flock(fd_, LOCK_UN); }

}  // namespace famlab::famfs::format
