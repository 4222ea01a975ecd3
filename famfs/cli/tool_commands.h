#pragma once
// The famfs subcommands that change a device directly. Each throws
// famlab::Error on failure and leaves the filesystem as it was; main turns
// that into a message and exit status 1. Only the master changes a famfs:
// the host whose id mkfs recorded (format/role.h).
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "famfs/format/filesystem.h"
#include "famfs/format/host_id.h"
#include "famfs/format/log_commit.h"

namespace famlab::famfs::cli {

struct Ownership {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

// Who changes (this host, which must be the master) and how the append
// behaves (--die-mid-append).
struct Change {
  format::HostId host{};
  format::AppendFault fault = format::AppendFault::None;
};

// Records `host` as the master of the new filesystem.
void mkfs_command(const std::string& device, uint64_t log_size, bool force, const format::HostId& host,
                  std::ostream& out);
void creat_command(const std::string& device, const std::string& path, uint64_t size,
                   const format::Layout& layout, const Ownership& owner, const Change& change,
                   std::ostream& out);
// Copies a host file into a new famfs file of the same size.
void cp_command(const std::string& device, const std::string& source, const std::string& path,
                const format::Layout& layout, const Ownership& owner, const Change& change,
                std::ostream& out);
void mkdir_command(const std::string& device, const std::string& path, bool parents, const Ownership& owner,
                   const Change& change, std::ostream& out);

}  // namespace famlab::famfs::cli
