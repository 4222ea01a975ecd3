#include "famfs/fuse/opcode_names.h"

#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "famfs/fuse/wire.h"

namespace famlab::famfs::fuse {
namespace {

constexpr std::array<std::pair<uint32_t, const char*>, 50> kNames{{
    {kLookup, "LOOKUP"},
    {kForget, "FORGET"},
    {kGetattr, "GETATTR"},
    {kSetattr, "SETATTR"},
    {kReadlink, "READLINK"},
    {kSymlink, "SYMLINK"},
    {kMknod, "MKNOD"},
    {kMkdir, "MKDIR"},
    {kUnlink, "UNLINK"},
    {kRmdir, "RMDIR"},
    {kRename, "RENAME"},
    {kLink, "LINK"},
    {kOpen, "OPEN"},
    {kRead, "READ"},
    {kWrite, "WRITE"},
    {kStatfs, "STATFS"},
    {kRelease, "RELEASE"},
    {kFsync, "FSYNC"},
    {kSetxattr, "SETXATTR"},
    {kGetxattr, "GETXATTR"},
    {kListxattr, "LISTXATTR"},
    {kRemovexattr, "REMOVEXATTR"},
    {kFlush, "FLUSH"},
    {kInit, "INIT"},
    {kOpendir, "OPENDIR"},
    {kReaddir, "READDIR"},
    {kReleasedir, "RELEASEDIR"},
    {kFsyncdir, "FSYNCDIR"},
    {kGetlk, "GETLK"},
    {kSetlk, "SETLK"},
    {kSetlkw, "SETLKW"},
    {kAccess, "ACCESS"},
    {kCreate, "CREATE"},
    {kInterrupt, "INTERRUPT"},
    {kBmap, "BMAP"},
    {kDestroy, "DESTROY"},
    {kIoctl, "IOCTL"},
    {kPoll, "POLL"},
    {kNotifyReply, "NOTIFY_REPLY"},
    {kBatchForget, "BATCH_FORGET"},
    {kFallocate, "FALLOCATE"},
    {kReaddirplus, "READDIRPLUS"},
    {kRename2, "RENAME2"},
    {kLseek, "LSEEK"},
    {kCopyFileRange, "COPY_FILE_RANGE"},
    {kSetupmapping, "SETUPMAPPING"},
    {kRemovemapping, "REMOVEMAPPING"},
    {kSyncfs, "SYNCFS"},
    {kTmpfile, "TMPFILE"},
    {kStatx, "STATX"},
}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string opcode_name(uint32_t opcode, const FamfsAbi& abi) {
  if (opcode == abi.get_fmap_opcode) return "GET_FMAP";
  if (opcode == abi.get_daxdev_opcode) return "GET_DAXDEV";
  for (const auto& [number, name] : kNames)
    if (number == opcode) return name;
  return "OPCODE_" + std::to_string(opcode);
}

std::optional<uint32_t> opcode_from_name(std::string_view name, const FamfsAbi& abi) {
  std::string wanted = upper(name);
  if (wanted == "GET_FMAP") return abi.get_fmap_opcode;
  if (wanted == "GET_DAXDEV") return abi.get_daxdev_opcode;
  for (const auto& [number, n] : kNames)
    if (wanted == n) return number;
  constexpr std::string_view prefix = "OPCODE_";
  if (wanted.rfind(prefix, 0) == 0) {
    uint32_t number = 0;
    const char* first = wanted.data() + prefix.size();
    const char* last = wanted.data() + wanted.size();
    auto [ptr, ec] = std::from_chars(first, last, number);
    if (ec == std::errc() && ptr == last && first != last) return number;
  }
  return std::nullopt;
}

}  // namespace famlab::famfs::fuse
