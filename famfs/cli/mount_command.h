#pragma once
// `famfs mount`: the FUSE server, with the misbehaviour options scenarios use.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "famfs/server/server_options.h"

namespace famlab::famfs::cli {

// The option text as typed; to_server_options checks it.
struct MountArgs {
  std::string device;
  std::string mountpoint;
  std::string role = "auto";
  std::string host_id;
  std::string abi = "rfc-v2";
  std::string dax_fmap = "accept";
  bool decline_dax_fmap = false;
  std::string cap_drop = "none";
  uint32_t uid = 1000;
  uint32_t gid = 1000;
  std::string mount_via = "auto";
  std::optional<int> device_fd;
  std::string daxdev_name;
  bool allow_other = false;
  std::string status;
  uint32_t status_every = 64;
  std::string bad_fmap = "none";
  std::optional<uint64_t> fuzz_seed;
  std::optional<uint64_t> fuzz_count;
  std::vector<std::string> replay_fmaps;
  std::vector<std::string> late;
  std::vector<std::string> defer;
  std::vector<std::string> daxdevs;       // --daxdev INDEX=PATH
  std::vector<std::string> file_devices;  // --file-device PATH=INDEX
  std::string die_on;
  std::optional<uint64_t> die_after;
  bool accept_copy_file_range = false;
  bool size_drift = false;
  std::string accept_create;  // a size, "2M"
  std::string notify_store = "none";
  bool daemon = false;
  bool debug = false;
  std::string log;
};

CLI::App* add_mount_command(CLI::App& app, MountArgs& args);

// Throws famlab::Error naming the option whose value is not understood.
server::ServerOptions to_server_options(const MountArgs& args);

// Runs the server until unmount; returns the exit status.
int mount_command(const MountArgs& args, std::ostream& out, std::ostream& err);

}  // namespace famlab::famfs::cli
