// The answers a correct famfs server never gives, for scenarios that check
// what a famfs kernel does with them (issue 11). Off unless asked for.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "famfs/format/file_io.h"
#include "famfs/format/layout.h"
#include "famfs/server/guarded_access.h"
#include "famfs/server/request_handler.h"

namespace famlab::famfs::server {
namespace {

using fuse::Bytes;

// include/uapi/linux/fuse.h
struct CopyFileRangeIn {
  uint64_t fh_in;
  uint64_t off_in;
  uint64_t nodeid_out;
  uint64_t fh_out;
  uint64_t off_out;
  uint64_t len;
  uint64_t flags;
};
static_assert(sizeof(CopyFileRangeIn) == 56);

struct CreateIn {
  uint32_t flags;
  uint32_t mode;
  uint32_t umask;
  uint32_t open_flags;
};
static_assert(sizeof(CreateIn) == 16);

constexpr uint32_t kNotifyStoreBytes = 4096;  // --notify-store: one page at offset 0

template <class T>
bool take(std::span<const uint8_t>& payload, T& out) {
  if (payload.size() < sizeof(T)) return false;
  std::memcpy(&out, payload.data(), sizeof(T));
  payload = payload.subspan(sizeof(T));
  return true;
}

}  // namespace

std::string RequestHandler::path_of(uint64_t ino) const {
  std::string path;
  for (const format::Node* n = fs_.tree().node(ino); n && n->ino != n->parent && !n->name.empty();
       n = fs_.tree().node(n->parent))
    path = "/" + n->name + path;
  return path.empty() ? "/" : path;
}

std::optional<Bytes> RequestHandler::notify_before_reply(const fuse::Request& req) {
  const fuse::InHeader& h = req.header;
  if (options_.notify_store == NotifyStore::None || h.opcode != fuse::kOpen) return std::nullopt;
  int err = 0;
  const format::Node* n = file_node(h.nodeid, err);
  if (!n) return std::nullopt;
  bool first = ++opens_[n->ino] == 1;
  if (first != (options_.notify_store == NotifyStore::FirstOpen)) return std::nullopt;
  // The file's own first bytes: on a kernel that rightly takes the store
  // (no famfs), the page cache then still says what the file says.
  fuse::NotifyStoreOut out{n->ino, 0, kNotifyStoreBytes, 0};
  auto record = fuse::record_bytes(out);
  Bytes body(record.begin(), record.end());
  body.resize(sizeof out + kNotifyStoreBytes);
  guarded_device_access(
      [&] { format::read_file(device_bytes(device_of(*n)), *n, 0, std::span(body).subspan(sizeof out)); });
  return fuse::notification(fuse::kNotifyStore, body);
}

// --accept-copy-file-range: copies what fits inside the destination through
// the server's own mapping, and claims the whole length was copied, even
// past the destination's end: a kernel that trusts the claim grows the file
// past its map.
Bytes RequestHandler::copy_file_range(const fuse::InHeader& h, std::span<const uint8_t> payload) {
  CopyFileRangeIn in{};
  if (!take(payload, in)) return error(h.unique, EINVAL);
  int err = 0;
  const format::Node* src = file_node(h.nodeid, err);
  if (!src) return error(h.unique, err);
  const format::Node* dst = file_node(in.nodeid_out, err);
  if (!dst) return error(h.unique, err);
  std::vector<uint8_t> buf(std::min<uint64_t>(in.len, 1u << 20));
  uint64_t done = 0;
  while (done < in.len && in.off_out + done < dst->size) {
    std::span<uint8_t> chunk(buf.data(), std::min<uint64_t>(buf.size(), in.len - done));
    auto got = format::read_file(device_bytes(device_of(*src)), *src, in.off_in + done, chunk);
    if (!got || *got == 0) break;
    auto put = format::write_file(device_bytes(device_of(*dst)), *dst, in.off_out + done, chunk.first(*got));
    if (!put || *put == 0) break;
    done += *put;
  }
  fuse::WriteOut out{static_cast<uint32_t>(std::min<uint64_t>(in.len, UINT32_MAX)), 0};
  return fuse::reply_record(h.unique, out);
}

// --accept-create SIZE: CREATE makes a zero-filled SIZE-byte file (the
// format has no empty files) and answers entry and open together.
Bytes RequestHandler::create(const fuse::InHeader& h, std::span<const uint8_t> payload) {
  CreateIn in{};
  if (!take(payload, in) || payload.empty() || payload.back() != 0) return error(h.unique, EINVAL);
  std::string name(reinterpret_cast<const char*>(payload.data()));
  const format::Node* dir = fs_.tree().node(h.nodeid);
  if (!dir || !dir->is_dir) return error(h.unique, ENOTDIR);
  const format::Node* n = nullptr;
  try {
    std::string path = path_of(dir->ino);
    path = (path == "/" ? "" : path) + "/" + name;
    n = &fs_.create_file(path, options_.accept_create, {}, {in.mode & 07777 & ~in.umask, h.uid, h.gid},
                         [](uint64_t, std::span<uint8_t> d) { std::memset(d.data(), 0, d.size()); });
  } catch (const std::exception& e) {
    recorder_.status().last_error = std::string("CREATE ") + name + ": " + e.what();
    return error(h.unique, EIO);
  }
  struct {
    fuse::EntryOut entry;
    fuse::OpenOut open;
  } out{};
  out.entry.nodeid = n->ino;
  out.entry.generation = 1;
  out.entry.entry_valid = 1;
  out.entry.attr_valid = 1;
  out.entry.attr = attr_of(*n);
  out.open.fh = n->ino;
  return fuse::reply_record(h.unique, out);
}

}  // namespace famlab::famfs::server
