// famfs_log_stress: the two sides of log_concurrency_test, each its own
// process on one device file (mapped MAP_SHARED), as two hosts would be.
//
//   famfs_log_stress mkfs DEVICE                  makes an empty famfs (no master)
//   famfs_log_stress writer DEVICE COUNT          appends COUNT entries through Filesystem
//   famfs_log_stress broken-writer DEVICE COUNT   the same entries, commit word first (wrong)
//   famfs_log_stress reader DEVICE SECONDS COUNT  replays until it has COUNT entries
//
// Entry s (sequence number s) is what expected_entry(s) says, so the reader
// can check every entry it replays against what the writer meant. The
// reader prints one line of counts and exits 0 when it saw all COUNT
// entries, never a damaged log and never an entry other than expected.
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "famfs/format/filesystem.h"
#include "famfs/format/log_entry.h"
#include "famfs/format/replay.h"

using namespace famlab::famfs::format;

namespace {

// Every 64th entry a one-byte file (a 2 MiB unit), the rest directories;
// names of varying length so entries end at varying offsets.
struct Expected {
  bool is_file;
  std::string name;
};
Expected expected_entry(uint64_t seq) {
  return {seq % 64 == 0, "e" + std::to_string(seq) + "-" + std::string(seq * 37 % 200, 'x')};
}

int writer(const std::string& path, uint64_t count) {
  auto dev = Device::open(path, true);
  Filesystem fs(*dev);
  for (uint64_t seq = fs.state().next_seq; seq <= count; ++seq) {
    Expected e = expected_entry(seq);
    if (e.is_file)
      fs.create_file(e.name, 1, {}, {},
                     [&](uint64_t, std::span<uint8_t> d) { d[0] = static_cast<uint8_t>(seq); });
    else
      fs.mkdir(e.name, {});
  }
  std::cout << "appended " << fs.state().entries << "\n";
  return 0;
}

// Publishes the commit word before the body: what the commit protocol
// exists to prevent. A reader running alongside must catch it.
int broken_writer(const std::string& path, uint64_t count) {
  auto dev = Device::open(path, true);
  Filesystem fs(*dev);
  std::span<uint8_t> log = dev->bytes().subspan(fs.superblock().log_offset, fs.superblock().log_size);
  uint64_t at = fs.state().log_used;
  for (uint64_t seq = fs.state().next_seq; seq <= count; ++seq) {
    LogEntry e;
    e.seq = seq;
    e.type = EntryType::Mkdir;
    e.path = "b" + std::to_string(seq) + std::string(seq % 100, 'y');
    std::vector<uint8_t> b = encode_log_entry(e);
    __atomic_store_n(reinterpret_cast<uint64_t*>(log.data() + at), *reinterpret_cast<uint64_t*>(b.data()),
                     __ATOMIC_RELEASE);
    usleep(5000);  // the window a reader must not fall into (1 s over 200 entries)
    std::memcpy(log.data() + at + 8, b.data() + 8, b.size() - 8);
    at += b.size();
  }
  std::cout << "appended " << count << " (commit word first)\n";
  return 0;
}

int reader(const std::string& path, double seconds, uint64_t count) {
  auto dev = Device::open(path, false);
  Filesystem fs(*dev);  // reads the superblock
  const Superblock& sb = fs.superblock();
  std::span<const uint8_t> log = std::span<const uint8_t>(dev->bytes()).subspan(sb.log_offset, sb.log_size);
  ReplayResult r(sb);
  uint64_t replays = 0, torn_tails_seen = 0, damage_seen = 0, mismatches = 0, went_back = 0;
  std::string first_damage, first_mismatch;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (r.entries < count && std::chrono::steady_clock::now() < deadline) {
    uint64_t before = r.entries;
    replay_more(log, r);
    ++replays;
    if (r.torn_tail) ++torn_tails_seen;
    if (r.damage && damage_seen++ == 0) first_damage = *r.damage;
    for (uint64_t seq = before + 1; seq <= r.entries; ++seq) {
      Expected e = expected_entry(seq);
      const Node* n = r.tree.node(ino_for_seq(seq));
      bool ok = n && n->name == e.name && n->is_dir == !e.is_file && (!e.is_file || n->size == 1);
      if (!ok && mismatches++ == 0)
        first_mismatch = "entry " + std::to_string(seq) + " is not what was written";
    }
    sched_yield();
  }
  // A fresh replay from the start agrees with the incremental one.
  ReplayResult fresh = replay_log(log, sb);
  if (fresh.entries < r.entries || (fresh.entries == r.entries && fresh.log_used != r.log_used)) ++went_back;
  if (fresh.damage && damage_seen++ == 0) first_damage = *fresh.damage;
  std::cout << "replays " << replays << " entries " << r.entries << " torn_tails_seen " << torn_tails_seen
            << " damage_seen " << damage_seen << " mismatches " << mismatches << " went_back " << went_back
            << "\n";
  if (!first_damage.empty()) std::cout << "first damage: " << first_damage << "\n";
  if (!first_mismatch.empty()) std::cout << "first mismatch: " << first_mismatch << "\n";
  return r.entries == count && damage_seen == 0 && mismatches == 0 && went_back == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "mkfs") {
    auto dev = Device::open(argv[2], true);
    mkfs(*dev, {kDefaultLogSize, true});
    return 0;
  }
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: famfs_log_stress mkfs DEVICE | writer|broken-writer DEVICE COUNT | reader DEVICE "
                 "SECONDS COUNT\n";
    return 2;
  }
  std::string mode = argv[1];
  try {
    if (mode == "writer" && argc == 4) return writer(argv[2], std::stoull(argv[3]));
    if (mode == "broken-writer" && argc == 4) return broken_writer(argv[2], std::stoull(argv[3]));
    if (mode == "reader" && argc == 5) return reader(argv[2], std::stod(argv[3]), std::stoull(argv[4]));
  } catch (const std::exception& e) {
    std::cerr << "famfs_log_stress: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "famfs_log_stress: bad arguments\n";
  return 2;
}
