#pragma once
// `famfs fuzz-open`: the guest side of map fuzzing (issue 11). Against a
// `famfs mount --fuzz-fmap SEED --fuzz-count N` mount it opens fmap-<i> for
// each i, so the kernel asks for map i (a new inode each time: nothing is
// cached in the way), reads the first and last byte of what opens, and
// judges each outcome against the map rules (fmap_oracle.h) on the same
// bytes, made again here from (SEED, i). A finding is saved as a replayable
// map named fmap-SEED-i.fmap. With --replay it opens saved maps served by
// `famfs mount --replay-fmap` instead.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace famlab::famfs::cli {

struct FuzzOpenArgs {
  std::string mountpoint;
  std::string device;  // the mount's DEVICE: the maps are made for its size
  std::string abi = "rfc-v2";
  std::optional<uint64_t> seed;
  uint64_t count = 0;
  uint64_t first = 0;
  std::vector<std::string> replay;  // saved maps to open instead
  std::string save_dir;             // findings (and --save) go here as fmap-SEED-i.fmap
  std::vector<uint64_t> save;       // indices saved whatever the outcome
  uint64_t max_saved = 20;
  uint64_t progress = 1000;  // a progress line (and a kernel log marker) every this many maps
  bool artifacts = false;    // also print each saved map as a famlab artifact block
  bool leak_check = false;
  uint64_t leak_warmup = 1000;     // maps before the baseline (at most half of them)
  uint64_t leak_budget_kb = 1024;  // plus leak_budget_bytes_per_map for each map after the warm-up
  uint64_t leak_budget_bytes_per_map = 64;
  bool data_check = true;  // tag the device and read accepted files across their seams (device_oracle.h)
  bool hold_open = false;  // keep what opens after the warm-up open until the end (leak check self-test)
};

// Returns 0 when every outcome agreed with the rules and no leak was seen,
// 1 otherwise; throws famlab::Error when the mount is not what the
// arguments say (no such file, another seed or device).
int fuzz_open_command(const FuzzOpenArgs& args, std::ostream& out);

// The lines a run step prints to have the host keep `name` (one path
// component) with `text` in the scenario's artifacts.
std::string artifact_block(const std::string& name, const std::string& text);

}  // namespace famlab::famfs::cli
