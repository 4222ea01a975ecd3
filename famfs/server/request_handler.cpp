#include "famfs/server/request_handler.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "famfs/format/file_io.h"
#include "famfs/fuse/famfs_wire.h"
#include "famfs/fuse/init_negotiation.h"
#include "famfs/server/client_role.h"
#include "famfs/server/fmap_reply.h"
#include "famfs/server/guarded_access.h"
#include "famfs/server/logplay_report.h"

namespace famlab::famfs::server {
namespace {

using fuse::Bytes;
using fuse::reply_error;
using fuse::reply_ok;
using fuse::reply_record;

constexpr uint64_t kCacheSeconds = 1;  // short: the CLI may add files while mounted
constexpr uint32_t kBlockSize = 4096;  // fs-dax needs i_blkbits == PAGE_SHIFT
constexpr uint32_t kMaxRead = 1u << 20;

bool changes_namespace(uint32_t opcode) {
  switch (opcode) {
    case fuse::kMkdir:
    case fuse::kMknod:
    case fuse::kCreate:
    case fuse::kSymlink:
    case fuse::kLink:
    case fuse::kUnlink:
    case fuse::kRmdir:
    case fuse::kRename:
    case fuse::kRename2:
    case fuse::kTmpfile:
    case fuse::kSetxattr:
    case fuse::kRemovexattr:
    case fuse::kFallocate:
      return true;
    default:
      return false;
  }
}

// A synthetic file: read-only, root's, as large as it says.
fuse::Attr synthetic_attr(const SyntheticFile& file) {
  fuse::Attr a{};
  a.ino = file.nodeid;
  a.size = file.size;
  a.blocks = (file.size + 511) / 512;
  a.mode = S_IFREG | 0444;
  a.nlink = 1;
  a.blksize = kBlockSize;
  return a;
}

}  // namespace

RequestHandler::RequestHandler(format::Filesystem& fs, const ServerOptions& options, StatusRecorder& recorder,
                               format::Role role)
    : fs_(fs), options_(options), recorder_(recorder), abi_(fuse::famfs_abi(options.abi)), role_(role) {
  note_log_state();
}

void RequestHandler::note_log_state() {
  const auto& st = fs_.state();
  auto& s = recorder_.status();
  s.log_entries = st.entries;
  s.log_tail = st.damage ? "damaged" : st.torn_tail ? "torn" : "clean";
  recorder_.mark_changed();
}

std::optional<uint64_t> RequestHandler::replay_news() {
  try {
    uint64_t added = fs_.refresh();
    note_log_state();
    return added;
  } catch (const Error& e) {
    recorder_.status().last_error = e.what();
    recorder_.mark_changed();
    return std::nullopt;
  }
}

Bytes RequestHandler::error(uint64_t unique, int errno_value) {
  ++recorder_.status().error_replies;
  return reply_error(unique, errno_value);
}

fuse::Attr RequestHandler::attr_of(const format::Node& n) const {
  fuse::Attr a{};
  a.ino = n.ino;
  a.size = n.is_dir ? kBlockSize : n.size + (drifted_.count(n.ino) ? format::kAllocUnit : 0);
  a.blocks = n.is_dir ? 8 : format::map_capacity(n.map) / 512;
  a.atime = a.mtime = a.ctime = n.mtime;
  a.mode = (n.is_dir ? S_IFDIR : S_IFREG) | n.mode;
  uint32_t subdirs = 0;
  for (const auto& [name, ino] : n.children) subdirs += fs_.tree().node(ino)->is_dir;
  a.nlink = n.is_dir ? 2 + subdirs : 1;
  a.uid = n.uid;
  a.gid = n.gid;
  a.blksize = kBlockSize;
  return a;
}

uint32_t RequestHandler::device_of(const format::Node& n) const {
  for (const auto& [path, index] : options_.file_devices)
    if (fs_.tree().find(path) == &n) return index;
  return 0;
}

std::span<uint8_t> RequestHandler::device_bytes(uint32_t index) {
  if (index == 0) return fs_.device().bytes();
  auto it = extra_devices_.find(index);
  return it == extra_devices_.end() ? std::span<uint8_t>{} : it->second;
}

const format::Node* RequestHandler::file_node(uint64_t nodeid, int& err) const {
  const format::Node* n = fs_.tree().node(nodeid);
  err = !n ? ENOENT : n->is_dir ? EISDIR : 0;
  return err ? nullptr : n;
}

std::optional<SyntheticFile> RequestHandler::synthetic(uint64_t nodeid) const {
  return synthetic_ ? synthetic_->file(nodeid) : std::nullopt;
}

// A request on a synthetic file: attributes, opening and its map; its
// bytes never come through the server.
Bytes RequestHandler::synthetic_request(const fuse::InHeader& h, const fuse::Request& req,
                                        const SyntheticFile& file) {
  if (h.opcode == abi_.get_fmap_opcode) {
    if (!famfs_active_) return error(h.unique, ENOSYS);
    return fmap_reply(h.unique, file.reply, std::get<fuse::GetFmapArgs>(req.args));
  }
  switch (h.opcode) {
    case fuse::kGetattr: {
      fuse::AttrOut out{};
      out.attr_valid = kCacheSeconds;
      out.attr = synthetic_attr(file);
      return reply_record(h.unique, out);
    }
    case fuse::kOpen: {
      fuse::OpenOut out{};
      out.fh = file.nodeid;
      return reply_record(h.unique, out);
    }
    case fuse::kRelease:
    case fuse::kFlush:
    case fuse::kFsync:
      return reply_ok(h.unique);
    case fuse::kSetattr:
      return error(h.unique, EPERM);
    case fuse::kRead:
    case fuse::kWrite:
      recorder_.status().last_error = "READ/WRITE of synthetic file " + std::to_string(file.nodeid) +
                                      ": its bytes are the device's, not the server's";
      return error(h.unique, EIO);
    default:
      return other(h);
  }
}

std::optional<Bytes> RequestHandler::handle(const fuse::Request& req) {
  const fuse::InHeader& h = req.header;
  const auto& a = req.args;
  if (role_ == format::Role::Client)
    if (auto refused = client_refusal(req)) return error(h.unique, *refused);
  if (synthetic_ && h.opcode != fuse::kForget && h.opcode != fuse::kBatchForget &&
      h.opcode != fuse::kInterrupt)
    if (auto file = synthetic(h.nodeid)) return synthetic_request(h, req, *file);
  if (h.opcode == abi_.get_fmap_opcode) return get_fmap(h, std::get<fuse::GetFmapArgs>(a));
  if (h.opcode == abi_.get_daxdev_opcode) return get_daxdev(h);
  switch (h.opcode) {
    case fuse::kInit:
      return init(h, std::get<fuse::InitIn>(a));
    case fuse::kLookup:
      return lookup(h, std::get<fuse::NameArgs>(a));
    case fuse::kForget:
    case fuse::kBatchForget:
    case fuse::kInterrupt:
      return std::nullopt;  // inodes never go away; requests are answered in order
    case fuse::kGetattr:
      return getattr(h);
    case fuse::kSetattr:
      return setattr(h, std::get<fuse::SetattrIn>(a));
    case fuse::kOpen:
      return open(h, false);
    case fuse::kOpendir:
      return open(h, true);
    case fuse::kReaddir:
      return readdir(h, std::get<fuse::ReaddirArgs>(a).in);
    case fuse::kRead:
      return read(h, std::get<fuse::ReadIn>(a));
    case fuse::kWrite:
      return write(h, std::get<fuse::WriteArgs>(a));
    case fuse::kRelease:
    case fuse::kReleasedir:
    case fuse::kFlush:
    case fuse::kFsync:
    case fuse::kFsyncdir:
      return reply_ok(h.unique);
    case fuse::kStatfs:
      return statfs(h);
    case fuse::kGetxattr:
      return getxattr(h, std::get<fuse::GetxattrArgs>(a));
    case fuse::kDestroy:
      destroyed_ = true;
      return reply_ok(h.unique);
    case fuse::kCopyFileRange:
      if (options_.accept_copy_file_range) return copy_file_range(h, std::get<fuse::OtherArgs>(a).payload);
      return other(h);
    case fuse::kCreate:
      if (options_.accept_create) return create(h, std::get<fuse::OtherArgs>(a).payload);
      return other(h);
    default:
      return other(h);
  }
}

Bytes RequestHandler::init(const fuse::InHeader& h, const fuse::InitIn& in) {
  fuse::InitPolicy policy;
  policy.abi = options_.abi;
  policy.dax_fmap = options_.dax_fmap;
  fuse::InitOutcome o = fuse::negotiate_init(in, policy);
  auto& s = recorder_.status();
  s.init_seen = true;
  s.kernel_major = o.kernel_major;
  s.kernel_minor = o.kernel_minor;
  s.flags_offered = o.offered;
  s.flags_replied = o.replied;
  s.dax_fmap_offered = o.dax_fmap_offered;
  s.dax_fmap_accepted = o.dax_fmap_replied;
  s.dax_fmap_decision = o.dax_fmap_decision;
  if (o.error) {
    s.last_error = "INIT: kernel protocol major " + std::to_string(in.major) + " is not 7";
    return error(h.unique, o.error);
  }
  s.state = "initialized";
  // Force may claim the flag unoffered; famfs opcodes are then answered too,
  // so whatever the kernel does with the claim can be observed.
  famfs_active_ = o.dax_fmap_replied;
  return reply_record(h.unique, o.reply);
}

Bytes RequestHandler::lookup(const fuse::InHeader& h, const fuse::NameArgs& a) {
  if (role_ == format::Role::Master) replay_news();
  const format::Node* dir = fs_.tree().node(h.nodeid);
  if (!dir) return error(h.unique, ENOENT);
  if (!dir->is_dir) return error(h.unique, ENOTDIR);
  if (synthetic_ && dir->ino == fuse::kRootNodeId) {
    if (auto id = synthetic_->lookup(a.name); id && !fs_.tree().child(dir->ino, a.name)) {
      fuse::EntryOut e{};
      e.nodeid = *id;
      e.generation = 1;
      e.entry_valid = kCacheSeconds;
      e.attr_valid = kCacheSeconds;
      e.attr = synthetic_attr(*synthetic(*id));
      return reply_record(h.unique, e);
    }
  }
  const format::Node* n = fs_.tree().child(dir->ino, a.name);
  if (!n) return error(h.unique, ENOENT);
  fuse::EntryOut e{};
  e.nodeid = n->ino;
  e.generation = 1;  // inode numbers are never reused
  e.entry_valid = kCacheSeconds;
  e.attr_valid = kCacheSeconds;
  e.attr = attr_of(*n);
  return reply_record(h.unique, e);
}

Bytes RequestHandler::getattr(const fuse::InHeader& h) {
  const format::Node* n = fs_.tree().node(h.nodeid);
  if (!n) return error(h.unique, ENOENT);
  fuse::AttrOut out{};
  out.attr_valid = kCacheSeconds;
  out.attr = attr_of(*n);
  return reply_record(h.unique, out);
}

Bytes RequestHandler::setattr(const fuse::InHeader& h, const fuse::SetattrIn& in) {
  const format::Node* n = fs_.tree().node(h.nodeid);
  if (!n) return error(h.unique, ENOENT);
  constexpr uint32_t kOwnership = (1u << 0) | (1u << 1) | (1u << 2);  // FATTR_MODE, _UID, _GID
  // Sizes are fixed and metadata is only what the log says; times are
  // accepted and ignored so touch(1) and cp -p do not fail.
  if ((in.valid & fuse::kSetattrSize) && (n->is_dir || in.size != n->size)) return error(h.unique, EPERM);
  if (in.valid & kOwnership) return error(h.unique, EPERM);
  return getattr(h);
}

Bytes RequestHandler::open(const fuse::InHeader& h, bool want_dir) {
  if (want_dir && role_ == format::Role::Master) replay_news();
  const format::Node* n = fs_.tree().node(h.nodeid);
  if (!n) return error(h.unique, ENOENT);
  if (n->is_dir != want_dir) return error(h.unique, want_dir ? ENOTDIR : EISDIR);
  fuse::OpenOut out{};
  out.fh = n->ino;
  out.open_flags = want_dir ? fuse::kOpenCacheDir : 0;  // files: drop cached pages on each open
  return reply_record(h.unique, out);
}

Bytes RequestHandler::readdir(const fuse::InHeader& h, const fuse::ReadIn& in) {
  const format::Node* dir = fs_.tree().node(h.nodeid);
  if (!dir) return error(h.unique, ENOENT);
  if (!dir->is_dir) return error(h.unique, ENOTDIR);
  // Offsets: 1 after ".", 2 after "..", then 3, 4, ... after each child.
  fuse::DirentBuffer buf(std::min(in.size, kMaxRead));
  uint64_t index = 0;
  auto add = [&](uint64_t ino, uint32_t type, std::string_view name) {
    ++index;
    if (index <= in.offset) return true;
    return buf.add(ino, index, type, name);
  };
  if (add(dir->ino, DT_DIR, ".") && add(dir->parent, DT_DIR, "..")) {
    for (const auto& [name, ino] : dir->children)
      if (!add(ino, fs_.tree().node(ino)->is_dir ? DT_DIR : DT_REG, name)) break;
  }
  return reply_ok(h.unique, buf.bytes());
}

Bytes RequestHandler::read(const fuse::InHeader& h, const fuse::ReadIn& in) {
  int err = 0;
  const format::Node* n = file_node(h.nodeid, err);
  if (!n) return error(h.unique, err);
  std::vector<uint8_t> data(std::min(in.size, kMaxRead));
  std::optional<size_t> got;
  if (!guarded_device_access(
          [&] { got = format::read_file(device_bytes(device_of(*n)), *n, in.offset, data); })) {
    recorder_.status().last_error = "READ inode " + std::to_string(n->ino) + " at " +
                                    std::to_string(in.offset) +
                                    ": the device mapping faulted (SIGBUS: a poisoned page?)";
    return error(h.unique, EIO);
  }
  if (!got) {
    recorder_.status().last_error =
        "READ inode " + std::to_string(n->ino) + ": map points outside the device";
    return error(h.unique, EIO);
  }
  data.resize(*got);
  return reply_ok(h.unique, data);
}

Bytes RequestHandler::write(const fuse::InHeader& h, const fuse::WriteArgs& a) {
  int err = 0;
  const format::Node* n = file_node(h.nodeid, err);
  if (!n) return error(h.unique, err);
  if (a.in.offset >= n->size && !a.data.empty()) return error(h.unique, EFBIG);  // files never grow
  std::optional<size_t> put;
  if (!guarded_device_access(
          [&] { put = format::write_file(device_bytes(device_of(*n)), *n, a.in.offset, a.data); })) {
    recorder_.status().last_error = "WRITE inode " + std::to_string(n->ino) + " at " +
                                    std::to_string(a.in.offset) +
                                    ": the device mapping faulted (SIGBUS: a poisoned page?)";
    return error(h.unique, EIO);
  }
  if (!put) {
    recorder_.status().last_error =
        "WRITE inode " + std::to_string(n->ino) + ": map points outside the device";
    return error(h.unique, EIO);
  }
  fuse::WriteOut out{static_cast<uint32_t>(*put), 0};
  return reply_record(h.unique, out);
}

Bytes RequestHandler::statfs(const fuse::InHeader& h) {
  const auto& st = fs_.state();
  fuse::Kstatfs k{};
  k.bsize = kBlockSize;
  k.frsize = kBlockSize;
  k.blocks = st.allocator.data_bytes() / kBlockSize;
  k.bfree = st.allocator.free_bytes() / kBlockSize;
  k.bavail = k.bfree;
  k.files = st.entries + 1;
  k.ffree = (fs_.superblock().log_size - st.log_used) / 64;  // a rough guess: entries still loggable
  k.namelen = 255;
  return reply_record(h.unique, k);
}

Bytes RequestHandler::get_fmap(const fuse::InHeader& h, const fuse::GetFmapArgs& a) {
  if (!famfs_active_) return error(h.unique, ENOSYS);
  int err = 0;
  const format::Node* n = file_node(h.nodeid, err);
  if (!n) return error(h.unique, err);
  uint32_t index = device_of(*n);
  uint64_t device_size = index == 0 ? fs_.superblock().device_size : device_bytes(index).size();
  uint32_t unserved = 1;  // --bad-fmap devindex-unknown: the first index without --daxdev
  while (options_.extra_daxdevs.count(unserved)) ++unserved;
  std::vector<uint8_t> body = fmap_reply_bytes(*n, index, options_.fmap_fault, abi_, device_size, unserved);
  if (options_.size_drift) drifted_.insert(n->ino);  // from now on its attributes lie
  return fmap_reply(h.unique, std::move(body), a);
}

Bytes RequestHandler::fmap_reply(uint64_t unique, std::vector<uint8_t> body, const fuse::GetFmapArgs& a) {
  if (a.reply_buffer_size && body.size() > *a.reply_buffer_size) {
    // RFC V2: too big for the kernel's buffer; say how much is needed.
    uint32_t needed = static_cast<uint32_t>(std::min<size_t>(body.size(), UINT32_MAX));
    return reply_record(unique, needed);
  }
  return reply_ok(unique, body);
}

Bytes RequestHandler::get_daxdev(const fuse::InHeader& h) {
  if (!famfs_active_) return error(h.unique, ENOSYS);
  // The index asked for is in the header's nodeid; the kernel rejects a
  // reply that does not echo it.
  bool known =
      h.nodeid == 0 || (h.nodeid <= 0xffff && options_.extra_daxdevs.count(static_cast<uint32_t>(h.nodeid)));
  if (!known) {
    recorder_.status().last_error = "GET_DAXDEV for index " + std::to_string(h.nodeid) + ": no such device";
    return error(h.unique, ENODEV);
  }
  auto index = static_cast<uint32_t>(h.nodeid);
  // The device itself goes to the kernel from here, the server's context;
  // the reply only says that it did. A kernel without the ioctl (ENOTTY:
  // the famfs patch series before 0010) resolves the name in the reply.
  int e = give_daxdev_ ? give_daxdev_(index) : ENOTTY;
  if (e != 0 && e != ENOTTY) {
    recorder_.status().last_error = "GET_DAXDEV for index " + std::to_string(index) +
                                    ": the kernel refused the device: " + std::strerror(e);
    return error(h.unique, e);
  }
  const std::string& path = index == 0 ? options_.device : options_.extra_daxdevs.at(index);
  std::string name = e == ENOTTY ? path : "";
  // --daxdev-name: this path in the reply instead (the lab kernels refuse any).
  if (index == 0 && !options_.daxdev_name.empty()) name = options_.daxdev_name;
  fuse::DaxdevOut out{};
  out.index = static_cast<uint16_t>(index);
  std::strncpy(out.name, name.c_str(), sizeof(out.name) - 1);
  return reply_record(h.unique, out);
}

Bytes RequestHandler::getxattr(const fuse::InHeader& h, const fuse::GetxattrArgs& a) {
  // ENODATA, never ENOSYS: after one ENOSYS the kernel stops asking for any
  // attribute on this mount, and logplay would be gone with them.
  if (a.name != kLogplayXattr || h.nodeid != format::kRootIno) return error(h.unique, ENODATA);
  if (a.in.size == 0) return reply_record(h.unique, fuse::GetxattrOut{kLogplayReportMax, 0});
  auto added = replay_news();
  if (!added) return error(h.unique, ESTALE);  // the famfs was made again: mount it again
  auto& s = recorder_.status();
  s.logplays = ++logplays_;
  const auto& st = fs_.state();
  LogplayReport r;
  r.role = format::to_string(role_);
  r.logplay = logplays_;
  r.new_entries = *added;
  r.entries = st.entries;
  r.log_used = st.log_used;
  r.log_size = fs_.superblock().log_size;
  r.log_tail = s.log_tail;
  r.tail = st.damage ? *st.damage : st.torn_tail.value_or("");
  std::string text = encode_logplay_report(r);
  if (text.size() > a.in.size) return error(h.unique, ERANGE);
  return reply_ok(h.unique, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

Bytes RequestHandler::other(const fuse::InHeader& h) {
  return error(h.unique, changes_namespace(h.opcode) ? EPERM : ENOSYS);
}

}  // namespace famlab::famfs::server
