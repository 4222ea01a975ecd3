#pragma once
// The famlab subcommands. Each returns the process exit code: 0 success,
// 1 a scenario failed, 2 usage or infrastructure error.
#include <string>
#include <vector>

#include "lab/kernel/kernel.h"

namespace famlab::cli {

struct KernelArgs {
  std::vector<std::string> kernels;  // --kernel, repeatable; default plain
  std::string tree;                  // --kernel-tree
  std::string modules;               // --modules
  bool debug = false;                // --debug: every kernel asked for, in the debug flavour
  std::vector<kernel::KernelRequest> requests() const;
};

int cmd_check(const std::vector<std::string>& files);

struct RunArgs {
  KernelArgs kernel;
  std::string report_dir = "famlab-report";
  double boot_timeout = 180;
  bool keep_run_dir = false;
  bool cold = false;                 // --cold: no snapshots
  std::string backend;               // --backend qemu|libvirt; "" = qemu, or libvirt with --connect
  std::vector<std::string> connect;  // --connect URI[#N], repeatable: the libvirt hosts
  int per_host = 0;                  // --per-host N (0 = not given: 1)
  int jobs = 0;                      // -j N, direct QEMU (0 = not given: default_local_jobs)
  std::vector<std::string> scenarios;
};
int cmd_run(const RunArgs& args);

struct GcArgs {
  std::vector<std::string> connect;  // "" = libvirt's default URI
  bool force = false;
  bool dry_run = false;
};
int cmd_gc(const GcArgs& args);

struct ShellArgs {
  KernelArgs kernel;
  std::string topology;  // one guest of this topology, or
  std::string scenario;  // every guest of this scenario, with
  std::string guest;     // the console of this one (default: the first)
  bool no_bringup = false;
};
int cmd_shell(const ShellArgs& args);

int cmd_kernel_build(const std::string& variant, bool debug);
int cmd_kernel_symbols(const KernelArgs& args);

struct CacheArgs {
  std::string older_than;  // --older-than 30d
  std::string max_size;    // --max-size 20G
  bool dry_run = false;
};
int cmd_cache(const CacheArgs& args);

struct MutateArgs {
  bool check = false;                  // --check: validate the file only
  std::string file;                    // the mutation file
  std::string kernel;                  // --kernel VARIANT ("" = the file's variant)
  std::vector<std::string> scenarios;  // files or directories
  std::string report_dir = "famlab-mutate";
  double boot_timeout = 180;
  bool fresh = false;
  bool first_kill = false;
  bool skip_equivalent = false;
  std::vector<std::string> only;
  double min_score = -1;
};
int cmd_mutate(const MutateArgs& args);

}  // namespace famlab::cli
