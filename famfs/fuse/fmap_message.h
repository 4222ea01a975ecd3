#pragma once
// A GET_FMAP reply as data. The declared counts are kept apart from the
// records present so that a deliberately malformed message (a count that
// lies, a reply cut short) can be expressed and encoded exactly.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "famfs/fuse/abi.h"
#include "famfs/fuse/famfs_wire.h"

namespace famlab::famfs::fuse {

struct FmapExtent {
  uint32_t devindex = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t reserved = 0;  // must be 0 on the wire; settable to send bad maps
};

struct FmapInterleave {
  uint32_t nstrips = 0;  // as declared on the wire
  uint32_t chunk_size = 0;
  uint64_t nbytes = 0;
  std::vector<FmapExtent> strips;  // as present on the wire
  uint64_t reserved = 0;
};

struct FmapMessage {
  uint8_t file_type = kFileTypeRegular;
  uint16_t version = kFmapVersion;
  uint32_t ext_type = kExtSimple;
  uint32_t nextents = 0;  // as declared on the wire
  uint64_t file_size = 0;
  std::vector<FmapExtent> extents;          // kExtSimple: present records
  std::vector<FmapInterleave> interleaved;  // kExtInterleave: present records
  // The header's reserved fields (0 in a good map).
  uint8_t reserved = 0;
  uint32_t reserved0 = 0;
  uint64_t reserved1 = 0;
};

// Well-formed messages, counts matching the records.
FmapMessage simple_fmap(uint64_t file_size, std::vector<FmapExtent> extents);
FmapMessage interleaved_fmap(uint64_t file_size, uint32_t chunk_size, std::vector<FmapExtent> strips);

// Writes the header with the declared counts and then every present record.
std::vector<uint8_t> encode_fmap(const FmapMessage& message);

struct FmapDecodeResult {
  std::optional<FmapMessage> message;
  std::string error;
};
// Strict: the bytes must hold exactly what the header declares.
FmapDecodeResult decode_fmap(std::span<const uint8_t> bytes);

// What a famfs kernel refuses in this message once encoded, in words
// (empty when acceptable): check_fmap (fmap_rules.h) on its bytes, with
// the connection's devices (`device_sizes`: index -> bytes; an index the
// connection lacks is a problem too). Lets tests prove that a "bad" map is
// bad for the reason intended and that every good map is good.
std::vector<std::string> fmap_problems(const FmapMessage& message, const FamfsAbi& abi,
                                       const std::map<uint32_t, uint64_t>& device_sizes,
                                       uint64_t expected_file_size);
// The same for a connection with one device (index 0).
std::vector<std::string> fmap_problems(const FmapMessage& message, const FamfsAbi& abi, uint64_t device_size,
                                       uint64_t expected_file_size);

}  // namespace famlab::famfs::fuse
