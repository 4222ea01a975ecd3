#include "famfs/cli/mount_command.h"

#include "base/error.h"
#include "famfs/cli/arguments.h"
#include "famfs/fuse/famfs_wire.h"
#include "famfs/server/server.h"

namespace famlab::famfs::cli {

CLI::App* add_mount_command(CLI::App& app, MountArgs& a) {
  CLI::App* m = app.add_subcommand("mount", "serve DEVICE's famfs at MOUNTPOINT over FUSE (runs the server)");
  m->add_option("--role", a.role,
                "master (refused unless this host made the famfs), client (read-only, logplay on request), "
                "or auto (default): master if this host's id is the one mkfs recorded, else client");
  m->add_option("--host-id", a.host_id, "this host's id (default: the host id file, made on first use)");
  m->add_option("--abi", a.abi, "famfs kernel ABI: rfc-v2 (bit 42, opcodes 53/54) or v3 (bit 43, 54/55)");
  m->add_option("--dax-fmap", a.dax_fmap,
                "FUSE_DAX_FMAP: accept (when offered), decline, force (even unoffered)");
  m->add_flag("--decline-dax-fmap", a.decline_dax_fmap, "same as --dax-fmap decline");
  m->add_option("--cap-drop", a.cap_drop, "give up privilege before mounting: " + server::cap_drop_words());
  m->add_option("--as-uid", a.uid, "user for --cap-drop user|user-fd (default 1000)");
  m->add_option("--as-gid", a.gid, "group for --cap-drop user|user-fd (default 1000)");
  m->add_option("--mount-via", a.mount_via, "auto (mount(2) when privileged), mount, fusermount3");
  m->add_option("--device-fd", a.device_fd, "use this already-open descriptor for DEVICE");
  m->add_option("--daxdev-name", a.daxdev_name,
                "put PATH in GET_DAXDEV replies for index 0 (misbehaviour: kernels resolve no names)");
  m->add_option("--daxdev", a.daxdevs,
                "INDEX=PATH: another dax device of this connection (1..15; repeatable)");
  m->add_option("--file-device", a.file_devices,
                "PATH=INDEX: the file at PATH lives on device INDEX (repeatable)");
  m->add_flag("--allow-other", a.allow_other, "let other users use the mount");
  m->add_option("--status", a.status, "status file (JSON), rewritten atomically");
  m->add_option("--status-every", a.status_every, "rewrite the status after this many requests (default 64)");
  m->add_option("--bad-fmap", a.bad_fmap, "send malformed GET_FMAP replies: " + server::fmap_fault_words());
  m->add_option(
      "--fuzz-fmap", a.fuzz_seed,
      "SEED: serve fmap-0 ... fmap-<N-1> in the root, each with fuzz map i of SEED (see --fuzz-count)");
  m->add_option("--fuzz-count", a.fuzz_count, "N: how many fuzz files --fuzz-fmap serves");
  m->add_option("--replay-fmap", a.replay_fmaps,
                "FILE: serve the saved map FILE as a file named after it, in the root (repeatable)");
  m->add_option("--late", a.late,
                "answer OPCODE (or all) MILLISECONDS late, e.g. get_fmap:3000 (repeatable)");
  m->add_option("--defer", a.defer,
                "hold the reply to OPCODE (or all) MILLISECONDS while answering others (repeatable)");
  m->add_option("--die-on", a.die_on, "exit without answering when OPCODE[:N] arrives (the Nth time)");
  m->add_option("--die-after", a.die_after, "exit without answering the Nth request after INIT");
  m->add_flag("--accept-copy-file-range", a.accept_copy_file_range,
              "answer COPY_FILE_RANGE claiming every byte copied, even past the end (misbehaviour)");
  m->add_flag("--size-drift", a.size_drift,
              "after a file's map went out, say its size is 2 MiB larger (misbehaviour)");
  m->add_option("--accept-create", a.accept_create,
                "answer CREATE by making a zero-filled file of this SIZE (misbehaviour; default EPERM)");
  m->add_option(
      "--notify-store", a.notify_store,
      "push 4 KiB of page cache (FUSE_NOTIFY_STORE) before answering a file's OPEN: first-open (before "
      "the kernel has its map) or later-opens (over its map); the kernel's answers go to the status "
      "(misbehaviour)");
  m->add_flag("--daemon", a.daemon,
              "return once mounted and INIT is answered; keep serving in the background");
  m->add_flag("--debug", a.debug, "log every request");
  m->add_option("--log", a.log, "append the server's messages to this file instead of stderr");
  m->add_option("device", a.device, "dax device or file")->required();
  m->add_option("mountpoint", a.mountpoint)->required();
  return m;
}

server::ServerOptions to_server_options(const MountArgs& a) {
  server::ServerOptions o;
  o.device = a.device;
  o.mountpoint = a.mountpoint;
  auto role = format::parse_role_request(a.role);
  if (!role) throw Error("--role: '" + a.role + "' is not master, client or auto");
  o.role = *role;
  o.host_id = a.host_id;
  auto abi = fuse::parse_abi_generation(a.abi);
  if (!abi) throw Error("--abi: '" + a.abi + "' is not rfc-v2 or v3");
  o.abi = *abi;
  auto policy = server::parse_dax_fmap_policy(a.dax_fmap);
  if (!policy) throw Error("--dax-fmap: '" + a.dax_fmap + "' is not accept, decline or force");
  o.dax_fmap = a.decline_dax_fmap ? fuse::DaxFmapPolicy::Decline : *policy;
  auto drop = server::parse_cap_drop(a.cap_drop);
  if (!drop) throw Error("--cap-drop: '" + a.cap_drop + "' is not one of " + server::cap_drop_words());
  o.cap_drop = *drop;
  o.user_uid = a.uid;
  o.user_gid = a.gid;
  auto via = server::parse_mount_method(a.mount_via);
  if (!via) throw Error("--mount-via: '" + a.mount_via + "' is not auto, mount or fusermount3");
  o.mount_method = *via;
  o.device_fd = a.device_fd;
  o.daxdev_name = a.daxdev_name;
  if (o.daxdev_name.size() >= fuse::kDaxdevNameMax)
    throw Error("--daxdev-name: '" + o.daxdev_name + "' does not fit GET_DAXDEV's 256 bytes");
  for (const auto& d : a.daxdevs) {
    auto [index, path] = server::parse_daxdev(d);
    if (!o.extra_daxdevs.emplace(index, path).second)
      throw Error("--daxdev: index " + std::to_string(index) + " given twice");
  }
  for (const auto& f : a.file_devices) {
    auto [path, index] = server::parse_file_device(f);
    if (index != 0 && !o.extra_daxdevs.count(index))
      throw Error("--file-device " + f + ": no --daxdev " + std::to_string(index) + "=PATH");
    o.file_devices[path] = index;
  }
  o.allow_other = a.allow_other;
  o.status_path = a.status;
  o.status_every = a.status_every == 0 ? 1 : a.status_every;
  auto fault = server::parse_fmap_fault(a.bad_fmap);
  if (!fault) throw Error("--bad-fmap: '" + a.bad_fmap + "' is not one of " + server::fmap_fault_words());
  o.fmap_fault = *fault;
  if (a.fuzz_seed.has_value() != a.fuzz_count.has_value())
    throw Error("--fuzz-fmap SEED and --fuzz-count N go together");
  if (a.fuzz_count && (*a.fuzz_count == 0 || *a.fuzz_count > (1ull << 40)))
    throw Error("--fuzz-count: " + std::to_string(*a.fuzz_count) + " is not in 1..2^40");
  if (a.fuzz_seed && !a.replay_fmaps.empty())
    throw Error("--fuzz-fmap and --replay-fmap: one kind of synthetic file at a time");
  o.fuzz_seed = a.fuzz_seed;
  o.fuzz_count = a.fuzz_count.value_or(0);
  o.replay_fmaps = a.replay_fmaps;
  const fuse::FamfsAbi& famfs = fuse::famfs_abi(o.abi);
  for (const auto& l : a.late) o.late.push_back(server::parse_late_reply(l, famfs));
  for (const auto& l : a.defer) o.deferred.push_back(server::parse_late_reply(l, famfs));
  if (!a.die_on.empty()) {
    auto [op, count] = server::parse_die_on(a.die_on, famfs);
    o.die_on_opcode = op;
    o.die_on_count = count;
  }
  o.die_after_requests = a.die_after;
  o.accept_copy_file_range = a.accept_copy_file_range;
  o.size_drift = a.size_drift;
  auto notify = server::parse_notify_store(a.notify_store);
  if (!notify) throw Error("--notify-store: '" + a.notify_store + "' is not none, first-open or later-opens");
  o.notify_store = *notify;
  if (!a.accept_create.empty()) o.accept_create = parse_size_option(a.accept_create, "--accept-create");
  o.daemon = a.daemon;
  o.debug = a.debug;
  o.log_path = a.log;
  return o;
}

int mount_command(const MountArgs& args, std::ostream& out, std::ostream& err) {
  return server::run_server(to_server_options(args), out, err);
}

}  // namespace famlab::famfs::cli
