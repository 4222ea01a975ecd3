#pragma once
// What the server answers to FUSE_INIT: the features it wants, limited to
// what the kernel offered, and the famfs decision (FUSE_DAX_FMAP).
#include <cstdint>
#include <string>

#include "famfs/fuse/abi.h"
#include "famfs/fuse/wire.h"

namespace famlab::famfs::fuse {

enum class DaxFmapPolicy {
  Accept,   // take FUSE_DAX_FMAP when offered (the normal server)
  Decline,  // never reply it, even when offered
  Force,    // reply it even when NOT offered: a kernel must ignore that
};

struct InitPolicy {
  AbiGeneration abi = AbiGeneration::RfcV2;
  DaxFmapPolicy dax_fmap = DaxFmapPolicy::Accept;
  uint32_t max_write = 1u << 20;  // the read buffer must hold this plus headers
  uint16_t max_pages = 256;       // max_write / 4 KiB pages
};

struct InitOutcome {
  int error = 0;  // errno to answer instead of a reply (unsupported major)
  InitOut reply{};
  uint32_t kernel_major = 0;
  uint32_t kernel_minor = 0;
  uint64_t offered = 0;  // 64-bit view, flags2 counted only with INIT_EXT
  uint64_t replied = 0;
  bool dax_fmap_offered = false;
  bool dax_fmap_replied = false;
  std::string dax_fmap_decision;  // "accepted", "declined", "not-offered", "forced"
};

// The 64-bit flag word of an INIT message: flags2 counts only when flags
// carries FUSE_INIT_EXT (the kernel ignores it otherwise).
uint64_t combined_init_flags(uint32_t flags, uint32_t flags2);

InitOutcome negotiate_init(const InitIn& in, const InitPolicy& policy);

}  // namespace famlab::famfs::fuse
