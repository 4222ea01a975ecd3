#pragma once
// The guest's initramfs: the agent as /init, busybox, the CXL/DAX tools with
// their libraries, and for a modular kernel the modules it needs. Cached by
// the content of everything that goes in: cache_dir()/images/<hash>.cpio.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lab/kernel/kernel.h"

namespace famlab::image {

using Log = std::function<void(const std::string&)>;

struct ImageSpec {
  std::filesystem::path agent;               // the famlab-agent binary
  std::vector<std::filesystem::path> tools;  // host binaries: cxl, daxctl, ndctl, kmod, fusermount3
  std::vector<std::string> setuid;           // names among tools installed setuid root
  const kernel::Kernel* kernel = nullptr;
  std::vector<std::string> modules;                                     // names, for modular kernels
  std::vector<std::pair<std::string, std::filesystem::path>> payloads;  // guest path -> host file
};

struct Image {
  std::filesystem::path cpio;
  std::string hash;
  bool cache_hit = false;
  size_t bytes = 0;
  // The cpio's in-use lock (lab/common/cache_use.h), held by every copy.
  std::shared_ptr<FileLock> in_use;
};

// Bump when the layout changes in a way the inputs do not show.
constexpr const char* kImageLayoutVersion = "famlab-initramfs-2";

Image build_initramfs(const ImageSpec& spec, const Log& log);

// The default spec for a guest running `kernel`, from the checkout's
// images/initramfs.toml (see image_recipe.h). The caller sets `agent` and
// any payloads; `kernel` must outlive the spec.
ImageSpec default_image_spec(const kernel::Kernel& kernel);

}  // namespace famlab::image
