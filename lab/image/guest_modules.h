#pragma once
// The kernel modules part of a guest image: the closure of the requested
// modules, shipped decompressed (kmod in the guest then loads them with a
// plain finit_module, whatever compression the kernel supports), with
// depmod indexes built for exactly that set.
#include <filesystem>
#include <string>
#include <vector>

#include "lab/common/hash.h"
#include "lab/image/cpio_writer.h"

namespace famlab::image {

struct GuestModules {
  std::string release;
  std::filesystem::path dir;         // host <modules_root>/lib/modules/<release>
  std::vector<std::string> modules;  // module closure, relative to dir
  std::vector<std::string> indexes;  // depmod inputs besides the modules, relative to dir
  std::vector<std::string> builtin;  // requested names built into the kernel
};

// Resolves the closure with libkmod (see module_closure.h).
GuestModules plan_guest_modules(const std::filesystem::path& modules_root, const std::string& release,
                                const std::vector<std::string>& names);

// Names and contents of every file, for the image's cache key.
void hash_guest_modules(const GuestModules& m, Hasher& h);

// Stages the files under <staging>/lib/modules/<release> (.ko.xz/.zst/.gz
// decompressed to .ko), runs depmod there and adds the whole tree to `w`.
void add_guest_modules(CpioWriter& w, const GuestModules& m, const std::filesystem::path& staging);

}  // namespace famlab::image
