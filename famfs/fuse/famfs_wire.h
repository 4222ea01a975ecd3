#pragma once
// The famfs messages carried over FUSE: the GET_FMAP reply (a header, then
// simple extents, or interleaved extents each followed by its strips) and
// the GET_DAXDEV reply. Same layout in both ABI generations.
#include <linux/ioctl.h>

#include <cstdint>

namespace famlab::famfs::fuse {

constexpr uint16_t kFmapVersion = 1;
constexpr uint8_t kFileTypeRegular = 0;
constexpr uint32_t kExtSimple = 0;
constexpr uint32_t kExtInterleave = 1;
constexpr uint32_t kDaxdevNameMax = 256;

struct FmapHeader {
  uint8_t file_type;
  uint8_t reserved;
  uint16_t fmap_version;
  uint32_t ext_type;  // kExtSimple or kExtInterleave
  uint32_t nextents;  // simple extents, or interleaved extents
  uint32_t reserved0;
  uint64_t file_size;
  uint64_t reserved1;
};
static_assert(sizeof(FmapHeader) == 32);

struct FmapSimpleExt {
  uint32_t devindex;
  uint32_t reserved;
  uint64_t offset;
  uint64_t length;
};
static_assert(sizeof(FmapSimpleExt) == 24);

// Followed by nstrips FmapSimpleExt records.
struct FmapInterleavedExt {
  uint32_t nstrips;
  uint32_t chunk_size;
  uint64_t nbytes;  // bytes this interleaved extent covers
  uint64_t reserved;
};
static_assert(sizeof(FmapInterleavedExt) == 24);

// RFC V2 sends this with GET_FMAP: the kernel's reply buffer size. When the
// map does not fit, the server answers with just a uint32 holding the size
// it needs. V3+ sends no argument.
struct GetFmapIn {
  uint32_t size;
  uint32_t padding;
};
static_assert(sizeof(GetFmapIn) == 8);

// The GET_DAXDEV reply. The lab kernels resolve no names: the server gives
// the device with kIocFamfsDaxdev before replying, and the name stays empty
// (a name is refused).
struct DaxdevOut {
  uint16_t index;
  uint16_t reserved;
  uint32_t reserved2;
  uint64_t reserved3;
  uint64_t reserved4;
  char name[kDaxdevNameMax];  // empty; NUL-terminated when used at all
};
static_assert(sizeof(DaxdevOut) == 280);

// FUSE_DEV_IOC_FAMFS_DAXDEV (lab kernels, patch 0010): on /dev/fuse, after
// INIT turned famfs on, gives the connection dax device `index` as `fd`, a
// /dev/daxX.Y (bound to famfs_dax) the server opened read-write. Checked in
// the server's context; EEXIST when the index was given already.
struct FamfsDaxdevReg {
  uint32_t index;
  int32_t fd;
  uint64_t reserved;
};
static_assert(sizeof(FamfsDaxdevReg) == 16);
constexpr unsigned long kIocFamfsDaxdev = _IOW(229, 64, FamfsDaxdevReg);

}  // namespace famlab::famfs::fuse
