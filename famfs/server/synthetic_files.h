#pragma once
// Files that exist only in the server, in the root directory next to the
// filesystem's own, each with a size and the GET_FMAP reply it gets: the
// fuzz mode's fmap-<index> files (`--fuzz-fmap SEED --fuzz-count N`) and
// replayed maps (`--replay-fmap FILE`). They are not listed by READDIR and
// never serve READ or WRITE: they exist to be opened, so the kernel asks
// for their maps. Every name is its own inode, so a map the kernel accepts
// and caches never stands in the way of the next one.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "famfs/server/fmap_fuzzer.h"
#include "famfs/server/saved_fmap.h"

namespace famlab::famfs::server {

// Node ids far above any famfs inode number (log sequence + 1).
constexpr uint64_t kSyntheticNodeBase = 1ull << 48;

struct SyntheticFile {
  uint64_t nodeid = 0;
  uint64_t size = 0;
  std::vector<uint8_t> reply;
};

class SyntheticFiles {
 public:
  virtual ~SyntheticFiles() = default;
  // The node id of `name` in the root directory, if it is one of ours.
  virtual std::optional<uint64_t> lookup(std::string_view name) const = 0;
  // Our file with this node id, if it is one.
  virtual std::optional<SyntheticFile> file(uint64_t nodeid) const = 0;
};

// fmap-0 ... fmap-<count-1>: fuzz case i of the setup.
class FuzzFiles final : public SyntheticFiles {
 public:
  FuzzFiles(const FuzzSetup& setup, uint64_t count) : setup_(setup), count_(count) {}
  std::optional<uint64_t> lookup(std::string_view name) const override;
  std::optional<SyntheticFile> file(uint64_t nodeid) const override;

 private:
  FuzzSetup setup_;
  uint64_t count_;
  // The last case made: the kernel asks about one file several times in a
  // row (LOOKUP, OPEN, GET_FMAP, RELEASE), and the server is one thread.
  mutable std::optional<FuzzCase> last_;
};

// One file per saved map, named replay_name(path).
class ReplayFiles final : public SyntheticFiles {
 public:
  struct Entry {
    std::string name;
    SavedFmap map;
  };
  explicit ReplayFiles(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  std::optional<uint64_t> lookup(std::string_view name) const override;
  std::optional<SyntheticFile> file(uint64_t nodeid) const override;

 private:
  std::vector<Entry> entries_;
};

}  // namespace famlab::famfs::server
