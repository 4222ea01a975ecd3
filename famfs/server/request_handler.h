#pragma once
// Answers decoded FUSE requests from the filesystem on the device. No I/O
// on /dev/fuse here: a request in, the reply bytes out, so all of it is
// testable without a mount.
#include <map>
#include <optional>
#include <set>
#include <span>

#include "famfs/format/filesystem.h"
#include "famfs/format/role.h"
#include "famfs/fuse/reply.h"
#include "famfs/fuse/request.h"
#include "famfs/server/daxdev_giver.h"
#include "famfs/server/server_options.h"
#include "famfs/server/status_recorder.h"
#include "famfs/server/synthetic_files.h"

namespace famlab::famfs::server {

class RequestHandler {
 public:
  // A client (format/role.h) refuses every change (client_role.h) and sees
  // what the master appended only on a logplay; a master replays news on
  // every LOOKUP and OPENDIR, since its own tools append while it serves.
  RequestHandler(format::Filesystem& fs, const ServerOptions& options, StatusRecorder& recorder,
                 format::Role role = format::Role::Master);

  // The reply to write, or nullopt for requests that take none (FORGET,
  // BATCH_FORGET, INTERRUPT).
  std::optional<fuse::Bytes> handle(const fuse::Request& request);

  // The connection's other dax devices (--daxdev), mapped: index -> bytes.
  void set_extra_devices(std::map<uint32_t, std::span<uint8_t>> devices) {
    extra_devices_ = std::move(devices);
  }
  // How GET_DAXDEV gives the kernel a device (the ioctl, daxdev_giver.h);
  // without one the reply alone goes out (tests, kernels that need none).
  void set_daxdev_giver(DaxdevGiver giver) { give_daxdev_ = std::move(giver); }

  // Files that exist only in the server (fuzz and replay modes), shown in
  // the root directory; nullptr for none. Not owned.
  void set_synthetic_files(const SyntheticFiles* files) { synthetic_ = files; }

  // What the server pushes to the kernel before its reply to `request`, if
  // anything: the FUSE_NOTIFY_STORE of --notify-store on a file's OPEN.
  std::optional<fuse::Bytes> notify_before_reply(const fuse::Request& request);

  const fuse::FamfsAbi& abi() const { return abi_; }
  // The kernel and the server agreed on FUSE_DAX_FMAP in INIT.
  bool famfs_active() const { return famfs_active_; }
  bool destroyed() const { return destroyed_; }
  format::Role role() const { return role_; }

 private:
  fuse::Bytes init(const fuse::InHeader& h, const fuse::InitIn& in);
  fuse::Bytes lookup(const fuse::InHeader& h, const fuse::NameArgs& a);
  fuse::Bytes getattr(const fuse::InHeader& h);
  fuse::Bytes setattr(const fuse::InHeader& h, const fuse::SetattrIn& in);
  fuse::Bytes open(const fuse::InHeader& h, bool want_dir);
  fuse::Bytes readdir(const fuse::InHeader& h, const fuse::ReadIn& in);
  fuse::Bytes read(const fuse::InHeader& h, const fuse::ReadIn& in);
  fuse::Bytes write(const fuse::InHeader& h, const fuse::WriteArgs& a);
  fuse::Bytes statfs(const fuse::InHeader& h);
  fuse::Bytes get_fmap(const fuse::InHeader& h, const fuse::GetFmapArgs& a);
  fuse::Bytes get_daxdev(const fuse::InHeader& h);
  // user.famfs.logplay on the root is a logplay (logplay_report.h); no
  // other extended attribute exists.
  fuse::Bytes getxattr(const fuse::InHeader& h, const fuse::GetxattrArgs& a);
  fuse::Bytes other(const fuse::InHeader& h);
  // Hostile answers scenarios ask for (request_handler_hostile.cpp):
  // COPY_FILE_RANGE claimed done (--accept-copy-file-range), CREATE making
  // a file (--accept-create).
  fuse::Bytes copy_file_range(const fuse::InHeader& h, std::span<const uint8_t> payload);
  fuse::Bytes create(const fuse::InHeader& h, std::span<const uint8_t> payload);
  std::string path_of(uint64_t ino) const;

  const format::Node* file_node(uint64_t nodeid, int& error) const;
  fuse::Attr attr_of(const format::Node& n) const;
  fuse::Bytes error(uint64_t unique, int errno_value);
  // The device a file lives on (--file-device; 0 otherwise) and its bytes
  // (empty when that device was not opened).
  uint32_t device_of(const format::Node& n) const;
  std::span<uint8_t> device_bytes(uint32_t index);
  std::optional<SyntheticFile> synthetic(uint64_t nodeid) const;
  fuse::Bytes synthetic_request(const fuse::InHeader& h, const fuse::Request& request,
                                const SyntheticFile& file);
  fuse::Bytes fmap_reply(uint64_t unique, std::vector<uint8_t> body, const fuse::GetFmapArgs& a);
  // Replays what was appended since; the number of new entries, or nullopt
  // (with last_error set) when the filesystem changed under the mount.
  std::optional<uint64_t> replay_news();
  void note_log_state();

  format::Filesystem& fs_;
  const ServerOptions& options_;
  StatusRecorder& recorder_;
  const fuse::FamfsAbi& abi_;
  bool famfs_active_ = false;
  bool destroyed_ = false;
  format::Role role_;
  uint64_t logplays_ = 0;
  std::map<uint32_t, std::span<uint8_t>> extra_devices_;
  DaxdevGiver give_daxdev_;
  // --size-drift: files whose map went out; their size grows by 2 MiB.
  std::set<uint64_t> drifted_;
  std::map<uint64_t, uint32_t> opens_;  // --notify-store: OPENs seen per file
  const SyntheticFiles* synthetic_ = nullptr;
};

}  // namespace famlab::famfs::server
