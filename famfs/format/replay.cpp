#include "famfs/format/replay.h"

namespace famlab::famfs::format {
namespace {

std::string where(uint64_t offset, uint64_t seq) {
  return "log entry " + std::to_string(seq) + " at log offset " + std::to_string(offset);
}

// Claims a file's extents; returns the conflicts in words.
void claim_map(ReplayResult& r, const LogEntry& e, uint64_t ino, uint64_t offset) {
  for (const auto& p : map_shape_problems(e.map, e.size))
    r.problems.push_back(where(offset, e.seq) + " ('" + e.path + "'): " + p);
  for (const auto& x : e.map.extents) {
    auto conflict = r.allocator.claim(x, ino);
    if (!conflict) continue;
    if (conflict->kind == Allocator::Conflict::Kind::OutsideData) {
      r.problems.push_back(where(offset, e.seq) + " ('" + e.path + "'): extent [" + std::to_string(x.offset) +
                           ", +" + std::to_string(x.length) + ") lies outside the data area");
    } else {
      const Node* other = r.tree.node(conflict->other_owner);
      r.problems.push_back(where(offset, e.seq) + " ('" + e.path + "'): overlaps '" +
                           (other ? other->name : "inode " + std::to_string(conflict->other_owner)) + "'");
    }
  }
}

}  // namespace

ReplayResult replay_log(std::span<const uint8_t> log, const Superblock& sb) {
  ReplayResult r(sb);
  uint64_t offset = 0;
  while (offset < log.size()) {
    EntryDecode d = decode_log_entry(log.subspan(offset));
    if (d.status == EntryDecode::Status::End) break;
    if (d.status == EntryDecode::Status::Torn) {
      r.torn = "log offset " + std::to_string(offset) + ": " + d.reason + " (entries after " +
               std::to_string(r.entries) + " ignored)";
      break;
    }
    if (d.entry.seq != r.next_seq) {
      // A whole entry from an earlier life of this log, not ours.
      r.torn = "log offset " + std::to_string(offset) + ": sequence number " + std::to_string(d.entry.seq) +
               " where " + std::to_string(r.next_seq) + " was due (stale entry ignored)";
      break;
    }
    uint64_t ino = ino_for_seq(d.entry.seq);
    std::string refused = r.tree.add(d.entry, ino);
    if (!refused.empty()) {
      r.problems.push_back(where(offset, d.entry.seq) + ": " + refused);
    } else if (d.entry.type == EntryType::File) {
      claim_map(r, d.entry, ino, offset);
    }
    ++r.entries;
    ++r.next_seq;
    offset += d.length;
    r.log_used = offset;
  }
  return r;
}

}  // namespace famlab::famfs::format
