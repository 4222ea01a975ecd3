#pragma once
// The snapshots famlab keeps in its cache (cache_dir()/snapshots), one
// directory per key (snapshot_key.h):
//   state.mig    the machine state, as QEMU saved it
//   meta.json    key, the state's size and sha256, when and from what it was taken
//   serial.log, dmesg.log   the boot up to the snapshot, for restored runs' logs
// A snapshot is published whole (built in a temporary directory, renamed)
// and checked whole before use: a state whose size or sha256 differs from
// its meta.json is removed and reported, never restored.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "lab/common/file_lock.h"

namespace famlab::runner {

struct Snapshot {
  std::filesystem::path dir;
  std::filesystem::path state;  // dir / "state.mig"
  nlohmann::json meta;
  std::shared_ptr<FileLock> in_use;  // `famlab cache` leaves it alone meanwhile
};

class SnapshotStore {
 public:
  explicit SnapshotStore(std::filesystem::path root);  // created
  const std::filesystem::path& root() const { return root_; }

  struct Lookup {
    std::optional<Snapshot> found;
    std::string problem;  // a snapshot was there but damaged (now removed): why
  };
  Lookup find(const std::string& key);

  // A fresh private directory to build a snapshot in; removed by
  // publish() or by the next `famlab cache prune`.
  std::filesystem::path staging(const std::string& key);
  // Records the state's size and sha256 in meta.json and renames the
  // directory into place. False when another famlab published this key
  // first (ours is dropped). Throws Error when the state is unreadable.
  bool publish(const std::filesystem::path& staging, const std::string& key, nlohmann::json meta);

  // Removes the least recently used snapshots (not in use) until the rest
  // take at most `max_bytes`; returns how many went. Snapshots are made on
  // every new kernel, image or QEMU, about 100 MB each: unbounded, nightly
  // CI would fill the disk. publish() calls it with snapshot_limit().
  int trim(uint64_t max_bytes);
  // $FAMLAB_SNAPSHOT_MAX ("8G" by default). Throws Error for a bad value.
  static uint64_t snapshot_limit();

 private:
  std::filesystem::path root_;
};

}  // namespace famlab::runner
