#pragma once
// Everything `famfs mount` can be told, including the misbehaviour that
// scenarios ask for. Plain data; parsing of the option words is here too
// so the names are defined in one place.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "famfs/format/role.h"
#include "famfs/fuse/abi.h"
#include "famfs/fuse/init_negotiation.h"

namespace famlab::famfs::server {

// How the server gives up privilege before mounting (issue 3).
enum class CapDrop {
  None,
  Bounding,  // prctl(PR_CAPBSET_DROP, CAP_SYS_RAWIO): effective set keeps it
  Capset,    // capset(): CAP_SYS_RAWIO out of effective and permitted
  User,      // become an ordinary user, mount through fusermount3
  UserFd,    // the same, but the device is opened before dropping
};

enum class MountMethod { Auto, Syscall, Fusermount };

// Deliberately malformed GET_FMAP replies (bad_fmap.h).
enum class FmapFault {
  None,
  Overlap,             // two extents covering the same bytes
  BeyondDevice,        // an extent past the end of the device
  MisalignedOffset,    // offset not 2 MiB aligned
  MisalignedLength,    // length not 2 MiB aligned
  ZeroExtents,         // extent count 0, no extents
  HugeExtentCount,     // count 0xffffffff, real records after it
  TooManyExtents,      // one more extent than the ABI allows
  TooManyStrips,       // one more strip than the ABI allows
  ChunkZero,           // interleave chunk size 0
  ChunkNotPowerOfTwo,  // interleave chunk size 3 x 2 MiB
  ShortReply,          // reply shorter than its header says
  WrongFileSize,       // header file size one byte off the file's (still covered)
};

struct LateReply {
  std::optional<uint32_t> opcode;  // nullopt: every opcode
  uint32_t delay_ms = 0;
};

struct ServerOptions {
  std::string device;            // the dax device path (or test file)
  std::optional<int> device_fd;  // an already-open descriptor for it
  std::string daxdev_name;       // GET_DAXDEV answer for index 0; default: device
  // --daxdev INDEX=PATH: more dax devices on this connection (1..15). The
  // server maps each (for READ/WRITE and bounds) and GET_DAXDEV names it.
  std::map<uint32_t, std::string> extra_daxdevs;
  // --file-device PATH=INDEX: the file at PATH lives on device INDEX, at the
  // offsets its map (allocated on device 0's format) gives. The on-device
  // format records no device index, so this is where it comes from.
  std::map<std::string, uint32_t> file_devices;
  std::string mountpoint;
  // --role: master (refused unless this host is the one the superblock
  // records), client (read-only mount, logplay on request), or auto: by
  // the host id (--host-id, else the host id file; format/host_id.h).
  format::RoleRequest role = format::RoleRequest::Auto;
  std::string host_id;  // --host-id text; empty: the host id file
  fuse::AbiGeneration abi = fuse::AbiGeneration::RfcV2;
  fuse::DaxFmapPolicy dax_fmap = fuse::DaxFmapPolicy::Accept;
  CapDrop cap_drop = CapDrop::None;
  uint32_t user_uid = 1000;  // CapDrop::User/UserFd
  uint32_t user_gid = 1000;
  MountMethod mount_method = MountMethod::Auto;
  bool allow_other = false;
  std::string status_path;     // empty: no status file
  uint32_t status_every = 64;  // rewrite after this many requests
  FmapFault fmap_fault = FmapFault::None;
  std::vector<LateReply> late;
  std::optional<uint32_t> die_on_opcode;  // die when this opcode arrives ...
  uint32_t die_on_count = 1;              // ... for the Nth time
  std::optional<uint64_t> die_after_requests;
  bool daemon = false;   // return once mounted and INIT answered
  bool debug = false;    // one line per request on the log
  std::string log_path;  // empty: stderr (a daemon without one logs nowhere)
};

// Word <-> enum; parse_* return nullopt for an unknown word.
std::optional<CapDrop> parse_cap_drop(std::string_view word);
std::optional<MountMethod> parse_mount_method(std::string_view word);
std::optional<FmapFault> parse_fmap_fault(std::string_view word);
std::optional<fuse::DaxFmapPolicy> parse_dax_fmap_policy(std::string_view word);
const char* to_string(CapDrop v);
const char* to_string(MountMethod v);
const char* to_string(FmapFault v);
const char* to_string(fuse::DaxFmapPolicy v);
// All words of a kind, "a|b|c", for help texts and error messages.
std::string cap_drop_words();
std::string fmap_fault_words();

// "1=/dev/dax1.0" -> {1, "/dev/dax1.0"} (index 1..15); "/a/b=1" -> {"/a/b", 1}.
// Throw famlab::Error naming the option and the bad part.
std::pair<uint32_t, std::string> parse_daxdev(std::string_view text);
std::pair<std::string, uint32_t> parse_file_device(std::string_view text);

// "get_fmap:2000" or "all:100"; throws famlab::Error naming the bad part.
LateReply parse_late_reply(std::string_view text, const fuse::FamfsAbi& abi);
// "read" or "get_fmap:3" (the third one); throws famlab::Error.
std::pair<uint32_t, uint32_t> parse_die_on(std::string_view text, const fuse::FamfsAbi& abi);

}  // namespace famlab::famfs::server
