#include "famfs/format/replay.h"

#include "famfs/format/log_commit.h"
#include "famfs/format/log_entry.h"

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

// A committed entry that fails its checks. Version 2 writes the commit
// word last, so that is damage, not an interrupted append; version 1 wrote
// entries in one go, and there it is what a crash leaves.
void stop_at_bad_entry(ReplayResult& r, uint64_t offset, const std::string& why) {
  std::string tail = " (entries after " + std::to_string(r.entries) + " ignored)";
  if (r.format_version >= 2)
    r.damage = "damaged log at log offset " + std::to_string(offset) + ": committed entry " + why + tail;
  else
    r.torn_tail = "torn tail at log offset " + std::to_string(offset) + ": " + why + tail;
}

}  // namespace

uint64_t replay_more(std::span<const uint8_t> log, ReplayResult& r) {
  r.torn_tail.reset();
  r.damage.reset();
  uint64_t before = r.entries;
  uint64_t offset = r.log_used;
  while (offset < log.size()) {
    LogSlot slot = read_log_slot(log, offset);
    if (slot.kind == SlotKind::End) break;
    if (slot.kind == SlotKind::Uncommitted) {
      r.torn_tail = "torn tail at log offset " + std::to_string(offset) +
                    ": uncommitted entry, an append was cut short or is in progress (" + slot.reason +
                    "); replay stops after entry " + std::to_string(r.entries);
      break;
    }
    if (slot.kind == SlotKind::Garbage) {
      stop_at_bad_entry(r, offset, "has " + slot.reason);
      break;
    }
    EntryDecode d = decode_log_entry(slot.entry);
    if (d.status != EntryDecode::Status::Ok) {
      stop_at_bad_entry(r, offset, "fails its checks: " + d.reason);
      break;
    }
    if (d.entry.seq != r.next_seq) {
      // A whole entry, but not the next one: from an earlier life of the log.
      stop_at_bad_entry(r, offset,
                        "has sequence number " + std::to_string(d.entry.seq) + " where " +
                            std::to_string(r.next_seq) + " was due (stale entry)");
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
  return r.entries - before;
}

ReplayResult replay_log(std::span<const uint8_t> log, const Superblock& sb) {
  ReplayResult r(sb);
  replay_more(log, r);
  return r;
}

}  // namespace famlab::famfs::format
