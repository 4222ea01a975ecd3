#include "famfs/cli/tool_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/unique_fd.h"
#include "base/units.h"
#include "famfs/format/device.h"
#include "famfs/format/role.h"

namespace famlab::famfs::cli {
namespace {

format::FileAttrs attrs_from(const Ownership& o, uint32_t default_mode, uint32_t uid, uint32_t gid) {
  return format::FileAttrs{o.mode.value_or(default_mode), o.uid.value_or(uid), o.gid.value_or(gid)};
}

// Opens the device for a change, holding the lock for the whole command.
// The lock keeps this host's tools apart; other hosts never append, since
// only the master may (checked here, before anything is written).
struct Changing {
  Changing(const std::string& device, const Change& change)
      : dev(format::Device::open(device, true)), lock(*dev), fs(*dev) {
    format::require_master(fs.superblock(), change.host, device);
    fs.set_append_fault(change.fault);
  }
  std::unique_ptr<format::Device> dev;
  format::DeviceLock lock;
  format::Filesystem fs;
};

// Error text for an operation on a path: "DEVICE: PATH: what".
Error path_error(const std::string& device, const std::string& path, const std::exception& e) {
  return Error(device + ": " + path + ": " + e.what());
}

}  // namespace

void mkfs_command(const std::string& device, uint64_t log_size, bool force, const format::HostId& host,
                  std::ostream& out) {
  auto dev = format::Device::open(device, true);
  format::DeviceLock lock(*dev);
  std::optional<format::Superblock> old;
  try {
    old = format::decode_superblock(dev->bytes(), dev->size());
  } catch (const Error&) {
  }
  format::Superblock sb = format::mkfs(*dev, {log_size, force, host});
  if (old && !format::is_zero(old->master_id) && old->master_id != host)
    out << "famfs: " << device << ": replaced a famfs whose master was host "
        << format::uuid_text(old->master_id) << "\n";
  out << "famfs: " << device << ": uuid " << format::uuid_text(sb.uuid) << ", log "
      << format_size(sb.log_size) << ", data " << format_size(sb.device_size - sb.data_offset) << ", master "
      << format::uuid_text(sb.master_id) << " (this host)\n";
}

void creat_command(const std::string& device, const std::string& path, uint64_t size,
                   const format::Layout& layout, const Ownership& owner, const Change& change,
                   std::ostream& out) {
  Changing c(device, change);
  try {
    const format::Node& n =
        c.fs.create_file(path, size, layout, attrs_from(owner, 0644, 0, 0),
                         [](uint64_t, std::span<uint8_t> dest) { std::memset(dest.data(), 0, dest.size()); });
    out << path << ": " << n.size << " bytes, " << format::describe(n.map) << "\n";
  } catch (const Error& e) {
    throw path_error(device, path, e);
  }
}

void cp_command(const std::string& device, const std::string& source, const std::string& path,
                const format::Layout& layout, const Ownership& owner, const Change& change,
                std::ostream& out) {
  UniqueFd fd(open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error(source + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  fstat(fd.get(), &st);
  if (!S_ISREG(st.st_mode)) throw Error(source + ": not a regular file");
  {
    Changing c(device, change);
    auto fill = [&](uint64_t pos, std::span<uint8_t> dest) {
      size_t done = 0;
      while (done < dest.size()) {
        ssize_t n = pread(fd.get(), dest.data() + done, dest.size() - done, static_cast<off_t>(pos + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(source + ": read failed: " + std::strerror(errno));
        if (n == 0) throw Error(source + ": shrank while being copied");
        done += static_cast<size_t>(n);
      }
    };
    try {
      const format::Node& n =
          c.fs.create_file(path, static_cast<uint64_t>(st.st_size), layout,
                           attrs_from(owner, st.st_mode & 0777, st.st_uid, st.st_gid), fill);
      out << path << ": " << n.size << " bytes from " << source << ", " << format::describe(n.map) << "\n";
    } catch (const Error& e) {
      throw path_error(device, path, e);
    }
  }
}

void mkdir_command(const std::string& device, const std::string& path, bool parents, const Ownership& owner,
                   const Change& change, std::ostream& out) {
  Changing c(device, change);
  try {
    if (!parents) {
      c.fs.mkdir(path, attrs_from(owner, 0755, 0, 0));
    } else {
      // Like mkdir -p: existing directories are fine. A failure part way
      // keeps the parents made so far (each is a complete log entry).
      std::string at;
      for (const auto& part : format::split_path(path)) {
        at += (at.empty() ? "" : "/") + part;
        const format::Node* existing = c.fs.tree().find(at);
        if (existing && !existing->is_dir) throw Error("'" + at + "' is not a directory");
        if (!existing) c.fs.mkdir(at, attrs_from(owner, 0755, 0, 0));
      }
    }
    out << path << "/\n";
  } catch (const Error& e) {
    throw path_error(device, path, e);
  }
}

}  // namespace famlab::famfs::cli
