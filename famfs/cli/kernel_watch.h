#pragma once
// What the fuzz driver watches in the kernel while it opens maps: new
// kernel log records (a splat pinned to the map that caused it) and the
// unreclaimable slab before and after (a leak check that works on the lab
// kernel, whose SLUB_TINY has no /proc/slabinfo), plus kmemleak where the
// kernel has it (the debug flavour).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace famlab::famfs::cli {

// /dev/kmsg from now on, without blocking; inert when it cannot be opened.
class KernelLog {
 public:
  KernelLog();
  bool available() const { return fd_.get() >= 0; }
  // The message text of every record logged since the last call.
  std::vector<std::string> take_new();
  // Writes a line into the kernel log (a marker for whoever reads it later).
  void mark(const std::string& line);

 private:
  UniqueFd fd_;
};

// The text of a /dev/kmsg record: "6,1234,5678,-;famfs: ..." -> "famfs: ...".
std::string kmsg_text(const std::string& record);

// A value in kB from /proc/meminfo text ("SUnreclaim:  1234 kB").
std::optional<uint64_t> meminfo_kb(const std::string& meminfo, const std::string& key);

// Drops clean dentries and inodes (echo 2 > drop_caches, twice, waiting
// for RCU frees) so that only what is still referenced stays, then reads
// SUnreclaim (kB); about half a second. Throws
// famlab::Error when /proc cannot be read or written.
uint64_t settled_unreclaimable_kb();

// kmemleak, when /sys/kernel/debug/kmemleak exists (debugfs mounted).
bool kmemleak_available();
void kmemleak_clear();
// Scans and returns the report ("" when nothing leaked).
std::string kmemleak_scan();

}  // namespace famlab::famfs::cli
