#include "runner/placement_check.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "common/error.h"
#include "plan/placement.h"
#include "protocol/pattern.h"

namespace famlab::runner {
namespace {

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

class BackingFiles {
 public:
  explicit BackingFiles(const std::vector<plan::BackingFile>& files) : files_(files) {}
  ~BackingFiles() {
    for (auto& [k, fd] : open_) close(fd);
  }
  BackingFiles(const BackingFiles&) = delete;
  BackingFiles& operator=(const BackingFiles&) = delete;

  int fd(const std::string& device, const std::string& kind) {
    auto key = device + "/" + kind;
    if (auto it = open_.find(key); it != open_.end()) return it->second;
    for (const auto& f : files_) {
      if (f.device_id == device && f.kind == kind) {
        int fd = open(f.file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw Error(Location{f.file.string()}, "cannot open backing file of " + device);
        return open_[key] = fd;
      }
    }
    throw Error("device " + device + " has no " + kind +
                " backing file: set backing = \"file\" in the topology to check placement");
  }

 private:
  const std::vector<plan::BackingFile>& files_;
  std::map<std::string, int> open_;
};

}  // namespace

std::string PlacementReport::summary() const {
  std::string s = std::to_string(granules_checked) + " granules, " + std::to_string(words_checked) +
                  " words checked, " + std::to_string(mismatches) + " misplaced";
  for (const auto& p : first_problems) s += "\n  " + p;
  return s;
}

PlacementReport check_placement(const topology::Topology& topo, const std::vector<plan::BackingFile>& backing,
                                int region, uint64_t bytes, uint64_t seed) {
  if (region < 0 || static_cast<size_t>(region) >= topo.regions.size())
    throw Error("check_placement: topology has no region " + std::to_string(region));
  const auto& reg = topo.regions[static_cast<size_t>(region)];
  uint64_t granule = reg.granularity;
  BackingFiles files(backing);
  PlacementReport rep;
  std::vector<uint64_t> buf(granule / 8);
  for (uint64_t off = 0; off < bytes; off += granule) {
    plan::Placement where = plan::locate(topo, region, off);
    uint64_t len = std::min(granule, bytes - off);
    ssize_t n = pread(files.fd(where.device_id, where.kind), buf.data(), len, static_cast<off_t>(where.file_offset));
    if (n != static_cast<ssize_t>(len))
      throw Error("check_placement: short read from the backing file of " + where.device_id);
    ++rep.granules_checked;
    uint64_t bad_in_granule = 0;
    for (uint64_t w = 0; w < len / 8; ++w) {
      ++rep.words_checked;
      uint64_t want = protocol::pattern_word(seed, off + w * 8);
      if (buf[w] == want) continue;
      ++rep.mismatches;
      if (bad_in_granule++ == 0 && rep.first_problems.size() < 8)
        rep.first_problems.push_back("region offset " + hex(off + w * 8) + " should be on " + where.device_id +
                                     " at " + hex(where.file_offset + w * 8) + ": found " + hex(buf[w]) +
                                     ", expected " + hex(want));
    }
  }
  return rep;
}

}  // namespace famlab::runner
