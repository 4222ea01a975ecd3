#pragma once
// Test helper: points cache_dir() ($FAMLAB_CACHE) at a private directory
// for the lifetime of the object.
#include <cstdlib>
#include <string>

#include "lab/common/paths.h"

namespace famlab::image::test_support {

class PrivateCache {
 public:
  PrivateCache() {
    if (const char* old = std::getenv("FAMLAB_CACHE")) {
      old_ = old;
      had_ = true;
    }
    setenv("FAMLAB_CACHE", dir_.path().c_str(), 1);
  }
  ~PrivateCache() {
    if (had_)
      setenv("FAMLAB_CACHE", old_.c_str(), 1);
    else
      unsetenv("FAMLAB_CACHE");
  }
  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  RunDir dir_{"famlab-cache-"};
  std::string old_;
  bool had_ = false;
};

}  // namespace famlab::image::test_support
