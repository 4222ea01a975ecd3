#pragma once
// Rebuilding the namespace and the space map from the log. Replay reads
// committed entries (log_commit.h) in order and stops at the first place
// that is not one with the next sequence number: the clean end, a torn
// tail (an append that never committed), or damage (a committed entry
// that fails its checks). It can resume where it stopped, so a client
// picks up what the master appended since (logplay).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "famfs/format/allocator.h"
#include "famfs/format/superblock.h"
#include "famfs/format/tree.h"

namespace famlab::famfs::format {

struct ReplayResult {
  ReplayResult(const Superblock& sb)
      : allocator(sb.data_offset, sb.device_size), format_version(sb.version) {}

  Tree tree;
  Allocator allocator;
  uint32_t format_version;
  uint64_t entries = 0;   // valid entries replayed
  uint64_t next_seq = 1;  // what the next append carries
  uint64_t log_used = 0;  // bytes from the log start to the end of the last entry
  // Where replay stopped early, in words; at most one is set. Both start
  // with a fixed text: "torn tail at log offset N: ..." and "damaged log at
  // log offset N: ...".
  std::optional<std::string> torn_tail;  // an uncommitted append: interrupted, or going on right now
  std::optional<std::string> damage;     // a committed entry that is not whole, or out of sequence
  std::vector<std::string> problems;     // valid entries that contradict the rest
};

// `log` is the whole log region of the device.
ReplayResult replay_log(std::span<const uint8_t> log, const Superblock& sb);

// Goes on from where `r` stopped (its log_used); returns how many entries
// it added. Clears and re-decides r.torn_tail and r.damage.
uint64_t replay_more(std::span<const uint8_t> log, ReplayResult& r);

}  // namespace famlab::famfs::format
