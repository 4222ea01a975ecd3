#include "famfs/cli/famfs_cli.h"

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "base/error.h"
#include "famfs/cli/arguments.h"
#include "famfs/cli/fuzz_open_command.h"
#include "famfs/cli/inspect_commands.h"
#include "famfs/cli/logplay_command.h"
#include "famfs/cli/mount_command.h"
#include "famfs/cli/tool_commands.h"

namespace famlab::famfs::cli {
namespace {

// Options shared by the commands that make something.
struct OwnerText {
  std::string mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--mode,-m", mode, "permission bits, octal");
    cmd->add_option("--uid,-u", uid, "owner");
    cmd->add_option("--gid,-g", gid, "group");
  }
  Ownership parse() const {
    Ownership o;
    if (!mode.empty()) o.mode = parse_mode_option(mode, "--mode");
    o.uid = uid;
    o.gid = gid;
    return o;
  }
};

// Options of the commands that change the filesystem (master only).
struct ChangeText {
  std::string host_id;
  bool die_mid_append = false;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--host-id", host_id, "this host's id (default: the host id file, made on first use)");
    cmd->add_flag("--die-mid-append", die_mid_append,
                  "misbehave: write half of the log entry, then exit 3 (a master killed mid-append)");
  }
  Change parse() const {
    return Change{format::resolve_host_id(host_id),
                  die_mid_append ? format::AppendFault::DieMidAppend : format::AppendFault::None};
  }
};

struct LayoutText {
  uint32_t strips = 0;
  std::string chunk = "2M";
  std::string extents;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--strips,-N", strips, "interleave over N strips (1..16); default: one extent");
    cmd->add_option("--chunk,-C", chunk, "interleave chunk size, power of two >= 2M (default 2M)");
    cmd->add_option("--extents", extents,
                    "several extents: the file bytes each covers, in order (like 6M,4M); with --strips "
                    "each is an interleaved extent");
  }
  format::Layout parse() const { return make_layout(strips, chunk, extents); }
};

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "famfs: the lab's famfs tools and FUSE server, on a dax device (or a file standing in for one)",
      "famfs"};
  app.require_subcommand(1);
  std::string device, path, size_text, log_size = "8M", source, mountpoint;
  bool force = false, parents = false, recursive = false, json = false;
  OwnerText owner;
  LayoutText layout;
  ChangeText change;

  CLI::App* mkfs = app.add_subcommand("mkfs", "make a filesystem on DEVICE, with this host as its master");
  mkfs->add_option("--log-size", log_size, "metadata log size, a multiple of 2M (default 8M)");
  mkfs->add_flag("--force,-f", force, "overwrite an existing famfs");
  mkfs->add_option("--host-id", change.host_id,
                   "this host's id (default: the host id file, made on first use)");
  mkfs->add_option("device", device, "dax device or file")->required();

  CLI::App* creat = app.add_subcommand("creat", "create a file of fixed size (zero-filled; master only)");
  creat->add_option("--size,-s", size_text, "file size (4096, 2M, 1G)")->required();
  layout.add_to(creat);
  owner.add_to(creat);
  change.add_to(creat);
  creat->add_option("device", device)->required();
  creat->add_option("path", path, "path inside famfs")->required();

  CLI::App* cp = app.add_subcommand("cp", "copy a host file into a new famfs file (master only)");
  layout.add_to(cp);
  owner.add_to(cp);
  change.add_to(cp);
  cp->add_option("device", device)->required();
  cp->add_option("source", source, "host file")->required();
  cp->add_option("path", path, "path inside famfs")->required();

  CLI::App* mkdir = app.add_subcommand("mkdir", "create a directory (master only)");
  mkdir->add_flag("--parents,-p", parents, "create missing parents; an existing directory is fine");
  owner.add_to(mkdir);
  change.add_to(mkdir);
  mkdir->add_option("device", device)->required();
  mkdir->add_option("path", path)->required();

  CLI::App* logplay = app.add_subcommand(
      "logplay", "make the famfs mounted at MOUNTPOINT replay what the master appended since (clients)");
  logplay->add_flag("--json", json, "print the server's report as JSON");
  logplay->add_option("mountpoint", mountpoint)->required();

  CLI::App* hostid = app.add_subcommand("hostid", "print this host's id (made on first use)");
  hostid->add_option("--host-id", change.host_id, "print this one instead, checked");

  CLI::App* ls = app.add_subcommand("ls", "list a directory (default: the root)");
  ls->add_flag("--recursive,-R", recursive);
  ls->add_option("device", device)->required();
  ls->add_option("path", path);

  CLI::App* getmap = app.add_subcommand("getmap", "print a file's map");
  getmap->add_flag("--json", json);
  getmap->add_option("device", device)->required();
  getmap->add_option("path", path)->required();

  CLI::App* fsck = app.add_subcommand(
      "fsck",
      "check the superblock, the log and that no files overlap (exit 0 clean, 1 damaged, 4 torn tail)");
  fsck->add_flag("--json", json);
  fsck->add_option("device", device)->required();

  MountArgs mount_args;
  CLI::App* mount = add_mount_command(app, mount_args);

  FuzzOpenArgs fuzz;
  CLI::App* fuzz_open = app.add_subcommand(
      "fuzz-open",
      "open the fuzz files of a --fuzz-fmap mount (or --replay saved maps) and judge the kernel");
  fuzz_open->add_option("--seed", fuzz.seed, "the mount's --fuzz-fmap SEED");
  fuzz_open->add_option("--count", fuzz.count, "how many maps to open");
  fuzz_open->add_option("--first", fuzz.first, "the first map's index (default 0)");
  fuzz_open->add_option("--device", fuzz.device, "the mount's DEVICE (the maps are made for its size)");
  fuzz_open->add_option("--abi", fuzz.abi, "the mount's --abi (default rfc-v2)");
  fuzz_open->add_option("--replay", fuzz.replay,
                        "FILE: open a saved map served with --replay-fmap FILE (repeatable)");
  fuzz_open->add_option("--save-dir", fuzz.save_dir, "save findings here as fmap-SEED-INDEX.fmap");
  fuzz_open->add_option("--save", fuzz.save, "INDEX: save this map too, whatever happens (repeatable)");
  fuzz_open->add_option("--max-saved", fuzz.max_saved, "save at most this many findings (default 20)");
  fuzz_open->add_option("--progress", fuzz.progress, "a progress line every N maps (default 1000, 0: none)");
  fuzz_open->add_flag("--artifacts", fuzz.artifacts, "print saved maps as famlab artifact blocks too");
  fuzz_open->add_flag("--leak-check", fuzz.leak_check,
                      "compare unreclaimable slab before and after (and kmemleak where there is one)");
  fuzz_open->add_option("--leak-warmup", fuzz.leak_warmup,
                        "maps opened before the leak check's baseline (default 1000, at most half)");
  fuzz_open->add_option("--leak-budget-kb", fuzz.leak_budget_kb, "slab growth allowed regardless of count");
  fuzz_open->add_option("--leak-budget-per-map", fuzz.leak_budget_bytes_per_map,
                        "slab growth allowed per map, in bytes");
  fuzz_open->add_flag("!--no-data-check", fuzz.data_check,
                      "do not tag the device and compare what accepted files read with it");
  fuzz_open->add_flag(
      "--hold-open", fuzz.hold_open,
      "keep files that open (after the warm-up) open to the end: the leak check must see them");
  fuzz_open->add_option("mountpoint", fuzz.mountpoint)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? 0 : 2;  // help is success; every usage error is 2
  }

  try {
    if (mkfs->parsed())
      mkfs_command(device, parse_size_option(log_size, "--log-size"), force,
                   format::resolve_host_id(change.host_id), out);
    if (creat->parsed())
      creat_command(device, path, parse_size_option(size_text, "--size"), layout.parse(), owner.parse(),
                    change.parse(), out);
    if (cp->parsed()) cp_command(device, source, path, layout.parse(), owner.parse(), change.parse(), out);
    if (mkdir->parsed()) mkdir_command(device, path, parents, owner.parse(), change.parse(), out);
    if (logplay->parsed()) return logplay_command(mountpoint, json, out);
    if (hostid->parsed()) out << format::uuid_text(format::resolve_host_id(change.host_id)) << "\n";
    if (ls->parsed()) ls_command(device, path.empty() ? "/" : path, recursive, out);
    if (getmap->parsed()) getmap_command(device, path, json, out);
    if (fsck->parsed()) return fsck_command(device, json, out);
    if (mount->parsed()) return mount_command(mount_args, out, err);
    if (fuzz_open->parsed()) return fuzz_open_command(fuzz, out);
  } catch (const Error& e) {
    err << "famfs: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "famfs: unexpected failure: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace famlab::famfs::cli
