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
  // A privileged task near an unprivileged server (issue 11): the
  // connection is mounted and, for the *AfterInit ones, INIT answered by a
  // privileged task; the rest is answered by one without CAP_SYS_RAWIO.
  Supervisor,        // a privileged supervisor mounts (mount(2)); an unprivileged child answers from INIT on
  CapsetAfterInit,   // the server answers INIT, then drops CAP_SYS_RAWIO (capset)
  HandoffAfterInit,  // the server answers INIT, then an unprivileged child gets the fd and answers the rest
  CloneAfterInit,    // the server answers INIT, then an unprivileged child clones the fd and answers the rest
  // Every reply written through io_uring with a personality registered
  // while privileged, by a server that has become an ordinary user since.
  UringPersonality,
};

enum class MountMethod { Auto, Syscall, Fusermount };

// Deliberately malformed GET_FMAP replies (bad_fmap.h).
enum class FmapFault {
  None,
  Overlap,              // two extents covering the same bytes
  BeyondDevice,         // an extent past the end of the device
  MisalignedOffset,     // offset not 2 MiB aligned
  MisalignedLength,     // length not 2 MiB aligned
  ZeroExtents,          // extent count 0, no extents
  HugeExtentCount,      // count 0xffffffff, real records after it
  TooManyExtents,       // one more extent than the ABI allows
  TooManyStrips,        // one more strip than the ABI allows
  ChunkZero,            // interleave chunk size 0
  ChunkNotPowerOfTwo,   // interleave chunk size 3 x 2 MiB
  ShortReply,           // reply shorter than its header says
  WrongFileSize,        // header file size one byte off the file's (still covered)
  DevindexBeyondTable,  // a range on device index 16, past the kernel's table
  DevindexUnknown,      // a range on a device index the server does not serve
  ZeroLengthExtent,     // an extra range of length 0
  ExtentWraps,          // a range whose offset + length wraps past 2^64
  ShortCoverage,        // the extents cover 2 MiB less than the file size
  ReservedHeader,       // the header's reserved fields non-zero
  ReservedExtent,       // a range's reserved field non-zero
  ReservedInterleave,   // an interleaved extent's reserved field non-zero
  StripsZero,           // an interleaved extent with strip count 0 (and no strips)
  HugeStripCount,       // strip count 0xffffffff, the real strips after it
};

// --notify-store: before answering a file's FUSE_OPEN, the server pushes
// 4 KiB of page cache for it (FUSE_NOTIFY_STORE at offset 0). On the first
// open the kernel has no map yet, so the file gets page cache and the
// famfs open that follows must refuse to put a map over it (EBUSY); on
// later opens the map is there and the store itself must be refused.
enum class NotifyStore { None, FirstOpen, LaterOpens };

struct LateReply {
  std::optional<uint32_t> opcode;  // nullopt: every opcode
  uint32_t delay_ms = 0;
};

struct ServerOptions {
  std::string device;            // the dax device path (or test file)
  std::optional<int> device_fd;  // an already-open descriptor for it
  // GET_DAXDEV replies carry no name (the device goes by descriptor);
  // set, this path goes into the reply for index 0 (misbehaviour: the lab
  // kernels refuse any name).
  std::string daxdev_name;
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
  // --fuzz-fmap SEED --fuzz-count N: fmap-0 ... fmap-<N-1> in the root, each
  // answering GET_FMAP with fuzz case i of SEED (fmap_fuzzer.h).
  std::optional<uint64_t> fuzz_seed;
  uint64_t fuzz_count = 0;
  // --replay-fmap FILE (repeatable): a saved map (saved_fmap.h), shown in
  // the root as replay_name(FILE).
  std::vector<std::string> replay_fmaps;
  std::vector<LateReply> late;
  // --defer: like --late, but the server goes on answering other requests
  // meanwhile (the reply is held, not the server).
  std::vector<LateReply> deferred;
  std::optional<uint32_t> die_on_opcode;  // die when this opcode arrives ...
  uint32_t die_on_count = 1;              // ... for the Nth time
  std::optional<uint64_t> die_after_requests;
  // Hostile answers a famfs kernel must survive (issue 11):
  bool accept_copy_file_range = false;  // answer COPY_FILE_RANGE, claiming every byte copied
  bool size_drift = false;              // a file's attributes grow by 2 MiB once its map went out
  uint64_t accept_create = 0;           // answer CREATE with a new zero-filled file of this size (0: EPERM)
  NotifyStore notify_store = NotifyStore::None;  // push page cache at opens (FUSE_NOTIFY_STORE)
  bool daemon = false;                           // return once mounted and INIT answered
  bool debug = false;                            // one line per request on the log
  std::string log_path;                          // empty: stderr (a daemon without one logs nowhere)
};

// Word <-> enum; parse_* return nullopt for an unknown word.
std::optional<CapDrop> parse_cap_drop(std::string_view word);
std::optional<MountMethod> parse_mount_method(std::string_view word);
std::optional<FmapFault> parse_fmap_fault(std::string_view word);
std::optional<fuse::DaxFmapPolicy> parse_dax_fmap_policy(std::string_view word);
std::optional<NotifyStore> parse_notify_store(std::string_view word);
const char* to_string(CapDrop v);
const char* to_string(MountMethod v);
const char* to_string(FmapFault v);
const char* to_string(fuse::DaxFmapPolicy v);
const char* to_string(NotifyStore v);
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
