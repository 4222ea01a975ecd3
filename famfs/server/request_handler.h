#pragma once
// Answers decoded FUSE requests from the filesystem on the device. No I/O
// on /dev/fuse here: a request in, the reply bytes out, so all of it is
// testable without a mount.
#include <map>
#include <optional>
#include <span>

#include "famfs/format/filesystem.h"
#include "famfs/format/role.h"
#include "famfs/fuse/reply.h"
#include "famfs/fuse/request.h"
#include "famfs/server/server_options.h"
#include "famfs/server/status_recorder.h"

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

  const format::Node* file_node(uint64_t nodeid, int& error) const;
  fuse::Attr attr_of(const format::Node& n) const;
  fuse::Bytes error(uint64_t unique, int errno_value);
  // The device a file lives on (--file-device; 0 otherwise) and its bytes
  // (empty when that device was not opened).
  uint32_t device_of(const format::Node& n) const;
  std::span<uint8_t> device_bytes(uint32_t index);
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
};

}  // namespace famlab::famfs::server
