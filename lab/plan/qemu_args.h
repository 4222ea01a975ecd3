#pragma once
// Topology -> the QEMU command line that builds it. A pure function: no
// files are created and nothing is started here (lab/vm does that).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lab/topology/model.h"

namespace famlab::plan {

struct QemuInputs {
  std::filesystem::path kernel, initrd, run_dir;
  std::string extra_cmdline;  // appended to the kernel command line
  bool interactive = false;   // console multiplexed with the QEMU monitor
  std::string firmware;       // path for -bios; empty = QEMU's default (SeaBIOS)
  // Multi-guest scenarios: device id -> a file other guests map too (their
  // shared memory); such a device's volatile memory is that file instead of
  // one in run_dir.
  std::map<std::string, std::filesystem::path> shared_volatile;
};

// A file QEMU maps as guest memory; the host reads it to check placement.
struct BackingFile {
  std::string device_id;
  std::string kind;  // "volatile" | "persistent" | "lsa"
  std::filesystem::path file;
  uint64_t size = 0;
};

struct QemuPlan {
  std::vector<std::string> argv;  // argv[0] = "qemu-system-x86_64"
  std::string kernel_cmdline;
  std::filesystem::path agent_socket;
  std::vector<BackingFile> backing;
};

// Throws famlab::Error when the inputs cannot be expressed (e.g. a socket
// path longer than a unix socket allows).
QemuPlan make_qemu_plan(const topology::Topology& t, const QemuInputs& in);

// The backing file of one device partition inside run_dir.
std::filesystem::path backing_file_path(const std::filesystem::path& run_dir, const std::string& device_id,
                                        const std::string& kind);

}  // namespace famlab::plan
