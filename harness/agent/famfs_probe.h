#pragma once
// The famfs_mount op: puts a fresh famfs on a region's dax device with the
// request's files (each created zero-filled, its map taken with `famfs
// getmap --json` before the mount) or one probe file written by `famfs cp`,
// mounts our famfs server with the scenario's options (cap drops, ABI,
// declining FUSE_DAX_FMAP, malformed maps...), checks every file through
// the mount (famfs_file_check.h), unmounts, and returns what the server
// recorded (protocol/famfs_status.h) plus the per-file results.
// Judging the result (famfs on or off, data path, placement) is the host's.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/agent/tool_runner.h"
#include "protocol/famfs_file.h"
#include "protocol/results.h"

namespace famlab::agent {

struct FamfsProbeJob {
  std::string device;                   // /dev/daxX.Y
  std::vector<std::string> mount_args;  // extra `famfs mount` options
  uint64_t probe_bytes = 64 * 1024;     // the probe, when `files` is empty
  std::vector<protocol::FamfsFile> files;
  uint64_t seed = 1;  // the probe's; file i uses protocol::famfs_file_seed(seed, i)
  std::string tag;    // makes paths unique per request
  double timeout_s = 60;
  // The famfs is another host's: no mkfs, no files made; mount it as a
  // client (--role client) and check `files` read-only.
  bool client = false;
};

struct FamfsProbeResult {
  bool ok = false;    // mounted, every file checked byte-exact, unmounted
  std::string error;  // what went wrong, naming the command or file
  protocol::FamfsMountResult result;
};

// The `famfs creat` (or, prefilled, `famfs cp`) command for a file.
std::vector<std::string> famfs_create_command(const std::string& device, const protocol::FamfsFile& file,
                                              const std::string& source);

// Bytes of the probe file: the protocol's pattern words, so a read through
// the wrong offset cannot look right.
std::string famfs_probe_bytes(uint64_t size, uint64_t seed);

FamfsProbeResult run_famfs_probe(const FamfsProbeJob& job, const ToolRunner& run,
                                 const std::function<void()>& idle);

}  // namespace famlab::agent
