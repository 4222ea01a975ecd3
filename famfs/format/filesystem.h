#pragma once
// The filesystem on a device as the tools see it: mkfs, then open (read the
// superblock, replay the log) and change it. Every change checks all it can
// first, writes file data next and appends the log entry last, so a failure
// at any point leaves the filesystem as it was.
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "famfs/format/device.h"
#include "famfs/format/host_id.h"
#include "famfs/format/layout.h"
#include "famfs/format/log_commit.h"
#include "famfs/format/replay.h"
#include "famfs/format/superblock.h"

namespace famlab::famfs::format {

struct MkfsOptions {
  uint64_t log_size = kDefaultLogSize;
  bool force = false;  // overwrite an existing famfs
  HostId master{};     // recorded as the master; zero: no host may change it (tests)
};

// Throws famlab::Error, naming the device, when it is too small, the log
// size is impossible or a famfs is already there (without force).
Superblock mkfs(Device& device, const MkfsOptions& options);

struct FileAttrs {
  uint32_t mode = 0644;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

struct Layout {
  uint32_t strips = 0;  // 0: one contiguous extent
  uint64_t chunk_size = 0;
};

class Filesystem {
 public:
  // Reads and checks the superblock, replays the log. Throws famlab::Error
  // prefixed with the device path.
  explicit Filesystem(Device& device);

  const Superblock& superblock() const { return sb_; }
  const ReplayResult& state() const { return *state_; }
  const Tree& tree() const { return state_->tree; }
  Device& device() { return device_; }

  // Replays what was appended since (by this host or the master); returns
  // how many entries that added. Throws famlab::Error when the superblock
  // is no longer the one this was opened with (mkfs ran again).
  uint64_t refresh();

  // --die-mid-append: the next append dies half-way (log_commit.h).
  void set_append_fault(AppendFault fault) { append_fault_ = fault; }

  const Node& mkdir(std::string_view path, const FileAttrs& attrs);

  // Fills the new file's bytes through `fill(file_pos, device_bytes)`,
  // called for each contiguous piece in file order; a throw from it
  // abandons the file before it is logged.
  using Filler = std::function<void(uint64_t file_pos, std::span<uint8_t> dest)>;
  const Node& create_file(std::string_view path, uint64_t size, const Layout& layout, const FileAttrs& attrs,
                          const Filler& fill);

  std::span<const uint8_t> log_bytes() const;

 private:
  void check_new_path(std::string_view path) const;
  // Encodes and checks that the log has room (throws if not); then writes.
  std::vector<uint8_t> prepare_entry(const LogEntry& entry) const;
  void write_entry(const std::vector<uint8_t>& encoded);
  void replay();

  Device& device_;
  Superblock sb_;
  std::unique_ptr<ReplayResult> state_;
  AppendFault append_fault_ = AppendFault::None;
};

}  // namespace famlab::famfs::format
