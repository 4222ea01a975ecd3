#include "famfs/format/test_device.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "base/unique_fd.h"

namespace famlab::famfs::format {

TempDeviceFile::TempDeviceFile(uint64_t size, const std::string& dir) {
  std::string tmpl = dir + "/famfs-dev-XXXXXX";
  UniqueFd fd(mkstemp(tmpl.data()));
  if (!fd) throw std::runtime_error("mkstemp failed");
  if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0) throw std::runtime_error("ftruncate failed");
  path_ = tmpl;
}

TempDeviceFile::~TempDeviceFile() { unlink(path_.c_str()); }

}  // namespace famlab::famfs::format
