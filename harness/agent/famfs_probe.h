#pragma once
// The famfs_mount op: puts a fresh famfs on a region's dax device with one
// probe file, mounts our famfs server with the scenario's options (cap
// drops, ABI, declining FUSE_DAX_FMAP, malformed maps...), reads the probe
// back through the mount, unmounts, and returns what the server recorded
// (lab/protocol/famfs_status.h) plus what the read saw. Judging the result
// (famfs on or off for this kernel) is the host's job.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tool_runner.h"

namespace famlab::agent {

struct FamfsProbeJob {
  std::string device;                   // /dev/daxX.Y
  std::vector<std::string> mount_args;  // extra `famfs mount` options
  uint64_t probe_bytes = 64 * 1024;
  uint64_t seed = 1;
  std::string tag;                      // makes paths unique per request
  double timeout_s = 60;
};

struct FamfsProbeResult {
  bool ok = false;     // mounted, read back byte-exact, unmounted
  std::string error;   // what went wrong, naming the command or file
  nlohmann::json result;
};

// Bytes of the probe file: the protocol's pattern words, so a read through
// the wrong offset cannot look right.
std::string famfs_probe_bytes(uint64_t size, uint64_t seed);

FamfsProbeResult run_famfs_probe(const FamfsProbeJob& job, const ToolRunner& run,
                                 const std::function<void()>& idle);

}  // namespace famlab::agent
