#pragma once
// The famfs subcommands that work on a device directly (everything but
// mount). Each throws famlab::Error on failure and leaves the filesystem
// as it was; main turns that into a message and exit status 1.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "famfs/format/filesystem.h"

namespace famlab::famfs::cli {

struct Ownership {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

void mkfs_command(const std::string& device, uint64_t log_size, bool force, std::ostream& out);
void creat_command(const std::string& device, const std::string& path, uint64_t size,
                   const format::Layout& layout, const Ownership& owner, std::ostream& out);
// Copies a host file into a new famfs file of the same size.
void cp_command(const std::string& device, const std::string& source, const std::string& path,
                const format::Layout& layout, const Ownership& owner, std::ostream& out);
void mkdir_command(const std::string& device, const std::string& path, bool parents, const Ownership& owner,
                   std::ostream& out);

}  // namespace famlab::famfs::cli
