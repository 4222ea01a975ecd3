#pragma once
// What famlab's cache (cache_dir(), lab/common/paths.h) holds, entry by
// entry: kernels, stock kernels, images, kernel sources and object trees,
// the ccache, and what interrupted builds left. For each its size, its last
// use (the modification time famlab sets on every use, cache_use.h) and
// the locks that must all be free before it may go. The layout is the one
// lab/kernel and lab/image write; anything else is listed and never removed.
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

namespace famlab::cache {

struct Entry {
  std::string kind;            // "kernel", "stock kernel", "image", "kernel source", ...
  std::filesystem::path path;  // absolute
  std::string name;            // relative to the cache root, for people
  std::time_t last_used = 0;   // modification time
  // Its share of the disk: what only it holds, plus an equal part of what
  // it shares with other entries through hard links (a build tree and the
  // unpacked source it was copied from).
  uint64_t bytes = 0;
  // Every lock that must be free (taken exclusively) to remove it: its
  // in-use lock, and the build lock of whatever writes it.
  std::vector<std::filesystem::path> locks;
  pid_t writer = 0;       // a temporary file of a live writer (by pid) is in use too
  bool removable = true;  // false: not something famlab made (kept, only listed)
  bool leftover = false;  // what an interrupted removal left: always removed

  // Disk accounting (cache_prune): space held by this entry alone, and
  // indexes into Listing::shared of the files it shares with others.
  uint64_t own_bytes = 0;
  std::vector<size_t> shared;
};

struct Listing {
  std::filesystem::path root;
  std::vector<Entry> entries;  // oldest use first
  // Disk space of each file that has several hard links, by index, and how
  // many entries hold it.
  std::vector<uint64_t> shared_bytes;
  std::vector<uint32_t> shared_holders;

  // The space every entry together takes (each file counted once).
  uint64_t total_bytes() const;
};

// Reads the cache at `root`. Never modifies it.
Listing list_cache(const std::filesystem::path& root);

// Why the entry is in use now ("" when it is free): the lock somebody holds
// (or the writer's pid).
std::string in_use_by(const Entry& entry);

// "1.4G", "812M", "12K": two significant digits, for people.
std::string format_disk_size(uint64_t bytes);

}  // namespace famlab::cache
