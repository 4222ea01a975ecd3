#include "famfs/format/filesystem.h"

#include <algorithm>
#include <cstring>
#include <ctime>

#include "base/error.h"
#include "base/units.h"
#include "famfs/format/cache_lines.h"
#include "famfs/format/log_entry.h"

namespace famlab::famfs::format {

Superblock mkfs(Device& device, const MkfsOptions& options) {
  const std::string& dev = device.path();
  if (options.log_size < kMinLogSize || options.log_size % kAllocUnit != 0)
    throw Error(dev + ": log size " + format_size(options.log_size) +
                " must be a multiple of 2M, at least 2M");
  uint64_t usable = round_down(device.size(), kAllocUnit);
  uint64_t needed = kLogOffset + options.log_size + kAllocUnit;
  if (usable < needed)
    throw Error(dev + ": device is " + format_size(device.size()) + "; famfs needs at least " +
                format_size(needed) + " (superblock 2M + log " + format_size(options.log_size) +
                " + one 2M data unit)");
  if (!options.force) {
    bool existing = true;
    try {
      decode_superblock(device.bytes(), device.size());
    } catch (const Error&) {
      existing = false;
    }
    if (existing) throw Error(dev + ": already holds a famfs; use --force to overwrite it");
  }
  Superblock sb;
  sb.uuid = random_uuid();
  sb.device_size = usable;
  sb.alloc_unit = kAllocUnit;
  sb.log_offset = kLogOffset;
  sb.log_size = options.log_size;
  sb.data_offset = kLogOffset + options.log_size;
  sb.created = static_cast<uint64_t>(std::time(nullptr));
  sb.master_id = options.master;

  // Empty log first, superblock last: a crash in between leaves no
  // superblock that points at a half-cleared log of another filesystem.
  // Each written back before the next, for hosts that share the memory.
  std::span<uint8_t> bytes = device.bytes();
  std::memset(bytes.data(), 0, kSuperblockBytes);
  std::memset(bytes.data() + sb.log_offset, 0, sb.log_size);
  write_back(bytes.data(), kSuperblockBytes);
  write_back(bytes.data() + sb.log_offset, sb.log_size);
  std::vector<uint8_t> encoded = encode_superblock(sb);
  std::memcpy(bytes.data(), encoded.data(), encoded.size());
  write_back(bytes.data(), encoded.size());
  device.flush();
  return sb;
}

Filesystem::Filesystem(Device& device) : device_(device) {
  try {
    sb_ = decode_superblock(device.bytes(), device.size());
  } catch (const Error& e) {
    throw Error(device.path() + ": " + e.what());
  }
  replay();
}

std::span<const uint8_t> Filesystem::log_bytes() const {
  return std::span<const uint8_t>(device_.bytes()).subspan(sb_.log_offset, sb_.log_size);
}

void Filesystem::replay() { state_ = std::make_unique<ReplayResult>(replay_log(log_bytes(), sb_)); }

uint64_t Filesystem::refresh() {
  std::span<const uint8_t> head = device_.bytes().first(kSuperblockBytes);
  drop_cached(head.data(), head.size());
  Superblock now;
  try {
    now = decode_superblock(head, device_.size());
  } catch (const Error& e) {
    throw Error(device_.path() + ": the superblock changed under this mount: " + e.what());
  }
  if (now.uuid != sb_.uuid)
    throw Error(device_.path() + ": the famfs was made again since it was opened (uuid " +
                uuid_text(sb_.uuid) + ", now " + uuid_text(now.uuid) + "); open or mount it again");
  return replay_more(log_bytes(), *state_);
}

void Filesystem::check_new_path(std::string_view path) const {
  std::vector<std::string> parts = split_path(path);
  const Node* dir = tree().node(kRootIno);
  std::string walked;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (walked.empty() ? "" : "/") + parts[i];
    dir = tree().child(dir->ino, parts[i]);
    if (!dir) throw Error("'" + walked + "' does not exist");
    if (!dir->is_dir) throw Error("'" + walked + "' is not a directory");
  }
  if (tree().child(dir->ino, parts.back())) throw Error("'" + std::string(path) + "' already exists");
}

std::vector<uint8_t> Filesystem::prepare_entry(const LogEntry& entry) const {
  // Never append after damage: the entry would hide it, and replay would
  // still stop in front of it. A torn tail is fine: the append replaces it.
  if (state_->damage)
    throw Error("the metadata log is damaged, nothing more is appended: " + *state_->damage);
  if (sb_.version < kFormatVersion)
    throw Error("format version " + std::to_string(sb_.version) +
                " is only read, never changed, by this famfs");
  std::vector<uint8_t> encoded = encode_log_entry(entry);
  uint64_t used = state_->log_used;
  if (used + encoded.size() > sb_.log_size)
    throw Error("metadata log is full: " + std::to_string(state_->entries) + " entries use " +
                std::to_string(used) + " of " + std::to_string(sb_.log_size) + " bytes, this entry needs " +
                std::to_string(encoded.size()) + " more (mkfs with a larger --log-size)");
  return encoded;
}

void Filesystem::write_entry(const std::vector<uint8_t>& encoded) {
  std::span<uint8_t> log = device_.bytes().subspan(sb_.log_offset, sb_.log_size);
  append_log_entry(log, state_->log_used, encoded, append_fault_);
  device_.flush();
}

const Node& Filesystem::mkdir(std::string_view path, const FileAttrs& attrs) {
  check_new_path(path);
  LogEntry e;
  e.seq = state_->next_seq;
  e.type = EntryType::Mkdir;
  e.path = std::string(path.front() == '/' ? path.substr(1) : path);
  e.mode = attrs.mode & 07777;
  e.uid = attrs.uid;
  e.gid = attrs.gid;
  e.mtime = static_cast<uint64_t>(std::time(nullptr));
  write_entry(prepare_entry(e));
  replay_more(log_bytes(), *state_);
  return *tree().node(ino_for_seq(e.seq));
}

const Node& Filesystem::create_file(std::string_view path, uint64_t size, const Layout& layout,
                                    const FileAttrs& attrs, const Filler& fill) {
  check_new_path(path);
  LogEntry e;
  e.seq = state_->next_seq;
  e.type = EntryType::File;
  e.path = std::string(path.front() == '/' ? path.substr(1) : path);
  e.mode = attrs.mode & 07777;
  e.uid = attrs.uid;
  e.gid = attrs.gid;
  e.mtime = static_cast<uint64_t>(std::time(nullptr));
  e.size = size;
  uint64_t ino = ino_for_seq(e.seq);
  try {
    e.map = layout.strips == 0
                ? state_->allocator.allocate_simple(size, ino)
                : state_->allocator.allocate_interleaved(size, layout.strips, layout.chunk_size, ino);
    std::vector<uint8_t> encoded = prepare_entry(e);  // before any data is written
    Node staged;
    staged.size = size;
    staged.map = e.map;
    std::span<uint8_t> dev = device_.bytes();
    for (uint64_t pos = 0; pos < size;) {
      auto piece = locate(staged.map, pos);
      uint64_t n = std::min<uint64_t>(piece->length, size - pos);
      fill(pos, dev.subspan(piece->offset, n));
      write_back(dev.data() + piece->offset, n);  // the data is in memory before the entry that shows it
      pos += n;
    }
    write_entry(encoded);
  } catch (...) {
    replay();  // forget the tentative allocation
    throw;
  }
  replay_more(log_bytes(), *state_);  // claims the units already claimed for ino: no conflict
  return *tree().node(ino);
}

}  // namespace famlab::famfs::format
