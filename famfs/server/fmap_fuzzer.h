#pragma once
// GET_FMAP replies for fuzzing a kernel's map validation (issue 11). Map
// `index` of a seed is the same bytes on every machine and every run, and
// any index can be made without the ones before it, so a failing map is
// named by (seed, index) and can be remade, saved and replayed.
//
// Each case starts from a valid map for a file of a random size (simple or
// interleaved, ranges placed at random on device 0 without overlap) and is
// usually bent: structural fields set to boundary values (every field of
// the header, the interleaved extents and the ranges, reserved ones too),
// counts that disagree with the records, overlapping or out-of-device
// ranges, coverage and size mismatches, bit flips, the reply cut short or
// extended; a few are random bytes. Whether the result is valid is not
// decided here: fmap_rules.h judges the bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "famfs/fuse/abi.h"
#include "famfs/fuse/fmap_rules.h"

namespace famlab::famfs::server {

struct FuzzSetup {
  uint64_t seed = 0;
  const fuse::FamfsAbi* abi = nullptr;
  uint64_t device_size = 0;  // device 0, the one device the connection serves
};

struct FuzzCase {
  uint64_t index = 0;
  uint64_t file_size = 0;      // what LOOKUP and GETATTR say about the file
  std::vector<uint8_t> reply;  // the GET_FMAP reply body
  std::string recipe;          // how it was made, in words
};

// Throws famlab::Error for a setup no valid map fits (device under 2 MiB).
FuzzCase fuzz_case(const FuzzSetup& setup, uint64_t index);

// The context the case must be judged in (fmap_rules.h).
fuse::FmapContext fuzz_context(const FuzzSetup& setup, const FuzzCase& c);

}  // namespace famlab::famfs::server
