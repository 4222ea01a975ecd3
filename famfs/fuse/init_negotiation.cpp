#include "famfs/fuse/init_negotiation.h"

#include <cerrno>

namespace famlab::famfs::fuse {
namespace {

// Plain page-cache I/O through READ/WRITE; nothing that needs server state
// the server does not keep (locks, writeback cache, export handles).
constexpr uint64_t kWanted = init_flag::kAsyncRead | init_flag::kBigWrites | init_flag::kMaxPages |
                             init_flag::kAutoInvalData | init_flag::kInitExt;

}  // namespace

uint64_t combined_init_flags(uint32_t flags, uint32_t flags2) {
  uint64_t all = flags;
  if (flags & init_flag::kInitExt) all |= static_cast<uint64_t>(flags2) << 32;
  return all;
}

InitOutcome negotiate_init(const InitIn& in, const InitPolicy& policy) {
  const FamfsAbi& abi = famfs_abi(policy.abi);
  InitOutcome out;
  out.kernel_major = in.major;
  out.kernel_minor = in.minor;
  out.offered = combined_init_flags(in.flags, in.flags2);
  if (in.major != kKernelMajor) {
    out.error = EPROTO;
    out.dax_fmap_decision = "not-offered";
    return out;
  }
  out.dax_fmap_offered = (out.offered & abi.dax_fmap_flag) != 0;

  uint64_t reply = out.offered & kWanted;
  switch (policy.dax_fmap) {
    case DaxFmapPolicy::Accept:
      out.dax_fmap_decision = out.dax_fmap_offered ? "accepted" : "not-offered";
      if (out.dax_fmap_offered) reply |= abi.dax_fmap_flag;
      break;
    case DaxFmapPolicy::Decline:
      out.dax_fmap_decision = out.dax_fmap_offered ? "declined" : "not-offered";
      break;
    case DaxFmapPolicy::Force:
      out.dax_fmap_decision = out.dax_fmap_offered ? "accepted" : "forced";
      reply |= abi.dax_fmap_flag;
      break;
  }
  // A bit above 31 is read by the kernel only next to FUSE_INIT_EXT.
  if (reply >> 32) reply |= init_flag::kInitExt;
  out.dax_fmap_replied = (reply & abi.dax_fmap_flag) != 0;
  out.replied = reply;

  InitOut& r = out.reply;
  r.major = kKernelMajor;
  r.minor = kOurMinor;
  r.max_readahead = in.max_readahead;
  r.flags = static_cast<uint32_t>(reply);
  r.flags2 = static_cast<uint32_t>(reply >> 32);
  r.max_background = 16;
  r.congestion_threshold = 12;
  r.max_write = policy.max_write;
  r.time_gran = 1;
  r.max_pages = policy.max_pages;
  return out;
}

}  // namespace famlab::famfs::fuse
