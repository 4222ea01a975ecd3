#include "lab/runner/placement_check.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "base/error.h"
#include "base/hex.h"
#include "base/unique_fd.h"
#include "lab/plan/placement.h"
#include "protocol/pattern.h"

namespace famlab::runner {
namespace {

class BackingFiles {
 public:
  explicit BackingFiles(const std::vector<plan::BackingFile>& files) : files_(files) {}
  BackingFiles(const BackingFiles&) = delete;
  BackingFiles& operator=(const BackingFiles&) = delete;

  int fd(const std::string& device, const std::string& kind) {
    auto key = device + "/" + kind;
    if (auto it = open_.find(key); it != open_.end()) return it->second.get();
    for (const auto& f : files_) {
      if (f.device_id == device && f.kind == kind) {
        UniqueFd fd(open(f.file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) throw Error(Location{f.file.string()}, "cannot open backing file of " + device);
        return (open_[key] = std::move(fd)).get();
      }
    }
    throw Error("device " + device + " has no " + kind +
                " backing file: set backing = \"file\" in the topology to check placement");
  }

 private:
  const std::vector<plan::BackingFile>& files_;
  std::map<std::string, UniqueFd> open_;
};

}  // namespace

std::string PlacementReport::summary() const {
  std::string s = std::to_string(granules_checked) + " granules, " + std::to_string(words_checked) +
                  " words checked, " + std::to_string(mismatches) + " misplaced";
  for (const auto& p : first_problems) s += "\n  " + p;
  return s;
}

PlacementReport check_placement(const topology::Topology& topo, const std::vector<plan::BackingFile>& backing,
                                int region, const WrittenPattern& written) {
  if (region < 0 || static_cast<size_t>(region) >= topo.regions.size())
    throw Error("check_placement: topology has no region " + std::to_string(region));
  const uint64_t granule = topo.regions[static_cast<size_t>(region)].granularity;
  BackingFiles files(backing);
  PlacementReport rep;
  std::vector<uint64_t> buf(granule / 8);
  uint64_t off = 0;
  while (off + 8 <= written.bytes) {
    std::optional<RegionRun> run = written.to_region(off);
    if (!run || run->length < 8) {
      // No place for the rest: every remaining word counts as misplaced.
      uint64_t words = (written.bytes - off) / 8;
      rep.words_checked += words;
      rep.mismatches += words;
      rep.first_problems.push_back(written.what + " offset " + hex(off) + ": the map has no place for it");
      break;
    }
    // A piece is contiguous in the region and inside one CXL granule.
    uint64_t in_granule = granule - run->region_offset % granule;
    uint64_t len = std::min({run->length, in_granule, written.bytes - off}) / 8 * 8;
    plan::Placement where = plan::locate(topo, region, run->region_offset);
    ssize_t n =
        pread(files.fd(where.device_id, where.kind), buf.data(), len, static_cast<off_t>(where.file_offset));
    if (n != static_cast<ssize_t>(len))
      throw Error("check_placement: short read from the backing file of " + where.device_id + " at " +
                  hex(where.file_offset));
    ++rep.granules_checked;
    uint64_t bad_in_piece = 0;
    for (uint64_t w = 0; w < len / 8; ++w) {
      ++rep.words_checked;
      uint64_t want = protocol::pattern_word(written.seed, off + w * 8);
      if (buf[w] == want) continue;
      ++rep.mismatches;
      if (bad_in_piece++ == 0 && rep.first_problems.size() < 8)
        rep.first_problems.push_back(written.what + " offset " + hex(off + w * 8) + " (region offset " +
                                     hex(run->region_offset + w * 8) + ") should be on " + where.device_id +
                                     " at " + hex(where.file_offset + w * 8) + ": found " + hex(buf[w]) +
                                     ", expected " + hex(want));
    }
    off += len;
  }
  return rep;
}

PlacementReport check_placement(const topology::Topology& topo, const std::vector<plan::BackingFile>& backing,
                                int region, uint64_t bytes, uint64_t seed) {
  WrittenPattern w{"region " + std::to_string(region), bytes, seed, [bytes](uint64_t off) {
                     return std::optional<RegionRun>(RegionRun{off, bytes - off});
                   }};
  return check_placement(topo, backing, region, w);
}

PlacementReport check_file_placement(const topology::Topology& topo,
                                     const std::vector<plan::BackingFile>& backing, int region,
                                     const std::string& name, const famfs::format::FileMap& map,
                                     uint64_t size, uint64_t seed) {
  WrittenPattern w{"file " + name, size, seed, [&map](uint64_t off) -> std::optional<RegionRun> {
                     auto e = famfs::format::locate(map, off);
                     if (!e) return std::nullopt;
                     return RegionRun{e->offset, e->length};
                   }};
  return check_placement(topo, backing, region, w);
}

}  // namespace famlab::runner
