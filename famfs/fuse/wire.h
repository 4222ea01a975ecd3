#pragma once
// The FUSE wire format as Linux 6.12 speaks it (protocol 7.41), written from
// the facts in include/uapi/linux/fuse.h. Only what this server needs. All
// structs are plain little-endian records copied with memcpy, so their sizes
// are pinned by static_assert against the kernel's layout.
#include <cstdint>

namespace famlab::famfs::fuse {

constexpr uint32_t kKernelMajor = 7;
constexpr uint32_t kOurMinor = 41;  // the layouts below are those of 7.41
constexpr uint64_t kRootNodeId = 1;
constexpr uint32_t kMinReadBuffer = 8192;

// Opcodes common to every kernel. The famfs opcodes depend on the ABI
// generation and live in abi.h.
enum Opcode : uint32_t {
  kLookup = 1,
  kForget = 2,
  kGetattr = 3,
  kSetattr = 4,
  kReadlink = 5,
  kSymlink = 6,
  kMknod = 8,
  kMkdir = 9,
  kUnlink = 10,
  kRmdir = 11,
  kRename = 12,
  kLink = 13,
  kOpen = 14,
  kRead = 15,
  kWrite = 16,
  kStatfs = 17,
  kRelease = 18,
  kFsync = 20,
  kSetxattr = 21,
  kGetxattr = 22,
  kListxattr = 23,
  kRemovexattr = 24,
  kFlush = 25,
  kInit = 26,
  kOpendir = 27,
  kReaddir = 28,
  kReleasedir = 29,
  kFsyncdir = 30,
  kGetlk = 31,
  kSetlk = 32,
  kSetlkw = 33,
  kAccess = 34,
  kCreate = 35,
  kInterrupt = 36,
  kBmap = 37,
  kDestroy = 38,
  kIoctl = 39,
  kPoll = 40,
  kNotifyReply = 41,
  kBatchForget = 42,
  kFallocate = 43,
  kReaddirplus = 44,
  kRename2 = 45,
  kLseek = 46,
  kCopyFileRange = 47,
  kSetupmapping = 48,
  kRemovemapping = 49,
  kSyncfs = 50,
  kTmpfile = 51,
  kStatx = 52,
};

// INIT flag bits (64-bit view; bits 32..63 travel in flags2).
namespace init_flag {
constexpr uint64_t kAsyncRead = 1ULL << 0;
constexpr uint64_t kPosixLocks = 1ULL << 1;
constexpr uint64_t kAtomicOTrunc = 1ULL << 3;
constexpr uint64_t kExportSupport = 1ULL << 4;
constexpr uint64_t kBigWrites = 1ULL << 5;
constexpr uint64_t kDontMask = 1ULL << 6;
constexpr uint64_t kFlockLocks = 1ULL << 10;
constexpr uint64_t kAutoInvalData = 1ULL << 12;
constexpr uint64_t kDoReaddirplus = 1ULL << 13;
constexpr uint64_t kReaddirplusAuto = 1ULL << 14;
constexpr uint64_t kAsyncDio = 1ULL << 15;
constexpr uint64_t kWritebackCache = 1ULL << 16;
constexpr uint64_t kParallelDirops = 1ULL << 18;
constexpr uint64_t kMaxPages = 1ULL << 22;
constexpr uint64_t kMapAlignment = 1ULL << 26;
constexpr uint64_t kInitExt = 1ULL << 30;  // says flags2 is meaningful
constexpr uint64_t kHasInodeDax = 1ULL << 33;
constexpr uint64_t kPassthrough = 1ULL << 37;
constexpr uint64_t kAllowIdmap = 1ULL << 40;
}  // namespace init_flag

struct InHeader {
  uint32_t len;
  uint32_t opcode;
  uint64_t unique;
  uint64_t nodeid;
  uint32_t uid;
  uint32_t gid;
  uint32_t pid;
  uint16_t total_extlen;  // request extensions, in 8-byte units
  uint16_t padding;
};
static_assert(sizeof(InHeader) == 40);

struct OutHeader {
  uint32_t len;
  int32_t error;  // 0 or a negative errno
  uint64_t unique;
};
static_assert(sizeof(OutHeader) == 16);

// A notification (server to kernel, unasked): an OutHeader with unique 0
// and the notify code in `error`, then the code's record.
constexpr int32_t kNotifyStore = 4;  // FUSE_NOTIFY_STORE: page cache for a node
struct NotifyStoreOut {
  uint64_t nodeid;
  uint64_t offset;
  uint32_t size;  // the data follows the record
  uint32_t padding;
};
static_assert(sizeof(NotifyStoreOut) == 24);

struct InitIn {
  uint32_t major;
  uint32_t minor;
  uint32_t max_readahead;
  uint32_t flags;
  uint32_t flags2;
  uint32_t unused[11];
};
static_assert(sizeof(InitIn) == 64);
// Kernels before 7.36 send only the first four words.
constexpr uint32_t kInitInMinSize = 16;

struct InitOut {
  uint32_t major;
  uint32_t minor;
  uint32_t max_readahead;
  uint32_t flags;
  uint16_t max_background;
  uint16_t congestion_threshold;
  uint32_t max_write;
  uint32_t time_gran;
  uint16_t max_pages;
  uint16_t map_alignment;
  uint32_t flags2;
  uint32_t max_stack_depth;
  uint32_t unused[6];
};
static_assert(sizeof(InitOut) == 64);

struct Attr {
  uint64_t ino;
  uint64_t size;
  uint64_t blocks;
  uint64_t atime;
  uint64_t mtime;
  uint64_t ctime;
  uint32_t atimensec;
  uint32_t mtimensec;
  uint32_t ctimensec;
  uint32_t mode;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint32_t rdev;
  uint32_t blksize;
  uint32_t flags;
};
static_assert(sizeof(Attr) == 88);

struct EntryOut {
  uint64_t nodeid;
  uint64_t generation;
  uint64_t entry_valid;
  uint64_t attr_valid;
  uint32_t entry_valid_nsec;
  uint32_t attr_valid_nsec;
  Attr attr;
};
static_assert(sizeof(EntryOut) == 128);

struct AttrOut {
  uint64_t attr_valid;
  uint32_t attr_valid_nsec;
  uint32_t dummy;
  Attr attr;
};
static_assert(sizeof(AttrOut) == 104);

struct GetattrIn {
  uint32_t getattr_flags;
  uint32_t dummy;
  uint64_t fh;
};
static_assert(sizeof(GetattrIn) == 16);

struct SetattrIn {
  uint32_t valid;  // which fields are set: FATTR_* bits
  uint32_t padding;
  uint64_t fh;
  uint64_t size;
  uint64_t lock_owner;
  uint64_t atime;
  uint64_t mtime;
  uint64_t ctime;
  uint32_t atimensec;
  uint32_t mtimensec;
  uint32_t ctimensec;
  uint32_t mode;
  uint32_t unused4;
  uint32_t uid;
  uint32_t gid;
  uint32_t unused5;
};
static_assert(sizeof(SetattrIn) == 88);
constexpr uint32_t kSetattrSize = 1u << 3;  // FATTR_SIZE

struct ForgetIn {
  uint64_t nlookup;
};
static_assert(sizeof(ForgetIn) == 8);

struct BatchForgetIn {
  uint32_t count;
  uint32_t dummy;
};
static_assert(sizeof(BatchForgetIn) == 8);

struct ForgetOne {
  uint64_t nodeid;
  uint64_t nlookup;
};
static_assert(sizeof(ForgetOne) == 16);

struct OpenIn {
  uint32_t flags;
  uint32_t open_flags;
};
static_assert(sizeof(OpenIn) == 8);

struct OpenOut {
  uint64_t fh;
  uint32_t open_flags;  // FOPEN_* bits
  int32_t backing_id;
};
static_assert(sizeof(OpenOut) == 16);

struct ReleaseIn {
  uint64_t fh;
  uint32_t flags;
  uint32_t release_flags;
  uint64_t lock_owner;
};
static_assert(sizeof(ReleaseIn) == 24);

struct FlushIn {
  uint64_t fh;
  uint32_t unused;
  uint32_t padding;
  uint64_t lock_owner;
};
static_assert(sizeof(FlushIn) == 24);

struct ReadIn {
  uint64_t fh;
  uint64_t offset;
  uint32_t size;
  uint32_t read_flags;
  uint64_t lock_owner;
  uint32_t flags;
  uint32_t padding;
};
static_assert(sizeof(ReadIn) == 40);

struct WriteIn {
  uint64_t fh;
  uint64_t offset;
  uint32_t size;
  uint32_t write_flags;
  uint64_t lock_owner;
  uint32_t flags;
  uint32_t padding;
};
static_assert(sizeof(WriteIn) == 40);

struct WriteOut {
  uint32_t size;
  uint32_t padding;
};
static_assert(sizeof(WriteOut) == 8);

struct Kstatfs {
  uint64_t blocks;
  uint64_t bfree;
  uint64_t bavail;
  uint64_t files;
  uint64_t ffree;
  uint32_t bsize;
  uint32_t namelen;
  uint32_t frsize;
  uint32_t padding;
  uint32_t spare[6];
};
static_assert(sizeof(Kstatfs) == 80);

struct GetxattrIn {
  uint32_t size;
  uint32_t padding;
};
static_assert(sizeof(GetxattrIn) == 8);

struct GetxattrOut {
  uint32_t size;
  uint32_t padding;
};
static_assert(sizeof(GetxattrOut) == 8);

struct AccessIn {
  uint32_t mask;
  uint32_t padding;
};
static_assert(sizeof(AccessIn) == 8);

struct InterruptIn {
  uint64_t unique;
};
static_assert(sizeof(InterruptIn) == 8);

struct LseekIn {
  uint64_t fh;
  uint64_t offset;
  uint32_t whence;
  uint32_t padding;
};
static_assert(sizeof(LseekIn) == 24);

// One READDIR record: this header, the name, then zero padding to 8 bytes.
struct DirentHeader {
  uint64_t ino;
  uint64_t off;  // the offset of the *next* record, fed back in ReadIn
  uint32_t namelen;
  uint32_t type;  // DT_* from <dirent.h>
};
static_assert(sizeof(DirentHeader) == 24);

// FOPEN_* bits in OpenOut.open_flags.
constexpr uint32_t kOpenKeepCache = 1u << 1;
constexpr uint32_t kOpenCacheDir = 1u << 3;

}  // namespace famlab::famfs::fuse
