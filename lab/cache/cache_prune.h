#pragma once
// Evicting from famlab's cache: by age of last use, or least recently used
// first down to a total size. An entry in use (its locks are held, see
// cache_listing.h) is never removed. An entry goes by first being renamed
// out of the way (".trash-<name>-<pid>", one atomic step: from then on no
// famlab sees it as there, complete or not), then deleted; what a killed
// removal leaves under that name is removed by the next prune.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "lab/cache/cache_listing.h"

namespace famlab::cache {

struct PruneRule {
  std::optional<std::chrono::seconds> older_than;  // last used before now - this
  std::optional<uint64_t> max_bytes;               // then least recently used first down to this
  bool dry_run = false;                            // only say what would go
};

struct PruneOutcome {
  enum class What { Removed, WouldRemove, InUse, Failed };
  std::string name, kind;  // the entry's (Entry::name, Entry::kind)
  std::time_t last_used = 0;
  uint64_t bytes = 0;  // its share of the cache (Entry::bytes)
  What what = What::Removed;
  std::string why;     // InUse: the lock held; Failed: the error
  uint64_t freed = 0;  // disk space it gave back (or would)
};

struct PruneResult {
  std::vector<PruneOutcome> outcomes;  // in the order tried: oldest use first
  uint64_t freed = 0;
  uint64_t left = 0;  // the cache's size afterwards (or would be)
};

// Removes (or with dry_run, names) what the rule selects from `listing`.
// `now` is the reference for older_than.
PruneResult prune(const Listing& listing, const PruneRule& rule, std::time_t now);

// "30d", "12h", "90m", "45s", "2w": a duration with its unit; nullopt
// when the text is not one.
std::optional<std::chrono::seconds> parse_age(const std::string& text);

}  // namespace famlab::cache
