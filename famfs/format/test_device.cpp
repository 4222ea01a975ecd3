#include "format/test_device.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace famlab::famfs::format {

TempDeviceFile::TempDeviceFile(uint64_t size) {
  char tmpl[] = "/tmp/famfs-dev-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    close(fd);
    throw std::runtime_error("ftruncate failed");
  }
  close(fd);
  path_ = tmpl;
}

TempDeviceFile::~TempDeviceFile() { unlink(path_.c_str()); }

}  // namespace famlab::famfs::format
