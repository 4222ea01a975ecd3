#pragma once
// A GET_FMAP reply saved for replay (`famfs mount --replay-fmap FILE`): the
// reply bytes, what they must be judged against (the size the server gives
// the file, the device's size, the ABI) and where they came from (seed,
// index and recipe of the fuzzer, what the kernel did). Text, one
// "key value" per line, '#' comments:
//
//   famfs-saved-fmap 1
//   seed 11
//   index 4242
//   abi rfc-v2
//   file_size 4194304
//   device_size 268435456
//   recipe simple 1 extent(s); bit flips 77        (optional)
//   observed opened, model: header reserved0 is 1  (optional)
//   reply 00000100000000000100000000000000...      (hex)
#include <cstdint>
#include <string>
#include <vector>

namespace famlab::famfs::server {

struct SavedFmap {
  uint64_t seed = 0;
  uint64_t index = 0;
  std::string abi = "rfc-v2";
  uint64_t file_size = 0;
  uint64_t device_size = 0;
  std::string recipe;
  std::string observed;
  std::vector<uint8_t> reply;
};

std::string encode_saved_fmap(const SavedFmap& saved);
// Throws famlab::Error with `file`:line for anything it cannot read: an
// unknown or repeated key, a bad number or hex, a missing key.
SavedFmap decode_saved_fmap(const std::string& text, const std::string& file);
SavedFmap read_saved_fmap(const std::string& path);  // throws famlab::Error naming the path

// "fmap-11-4242": the name a saved map gets, as a file (+ ".fmap") and as
// the file the replaying server shows.
std::string saved_fmap_name(uint64_t seed, uint64_t index);
// The name a replaying server shows for FILE: its file name without ".fmap".
std::string replay_name(const std::string& path);

}  // namespace famlab::famfs::server
