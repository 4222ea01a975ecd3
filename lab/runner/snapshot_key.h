#pragma once
// What a snapshot of a booted guest depends on, as one content hash: a
// snapshot is reused exactly when all of it is unchanged. The QEMU command
// carries the machine (topology, memory, CPUs, kernel command line); the
// run directory in it differs from run to run and is taken out. The files
// it names count by content: the kernel, the image (agent, tools), and the
// QEMU binary itself, whose state format and devices may change with it.
// A libvirt host adds its name and versions: libvirt writes its own QEMU
// command, and the host's QEMU is the one that loads the state.
#include <filesystem>
#include <string>
#include <vector>

namespace famlab::runner {

struct SnapshotKeyInputs {
  std::vector<std::string> qemu_argv;  // the cold boot's command
  std::filesystem::path run_dir;       // its private directory, as it appears in qemu_argv
  std::filesystem::path qemu_binary;   // the qemu-system-x86_64 that runs it
  std::filesystem::path kernel, initrd;
  std::string guest_plan;  // what bring-up will be asked to build (JSON)
  std::string machine;     // what else runs QEMU (Backend::machine_identity): "" for direct QEMU
};

// sha256 hex. File contents are hashed once per process for a given
// (path, size, modification time). Throws Error when a file is unreadable.
std::string snapshot_key(const SnapshotKeyInputs& in);

// The command with every occurrence of `run_dir` replaced by "@RUN@".
std::vector<std::string> without_run_dir(const std::vector<std::string>& argv,
                                         const std::filesystem::path& run_dir);

}  // namespace famlab::runner
