#pragma once
// Decoding one request read from /dev/fuse. Every length is checked against
// the bytes actually read: a malformed request yields an error (with the
// header when the header itself was readable, so the server can still answer
// it), never an out-of-bounds read.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "famfs/fuse/abi.h"
#include "famfs/fuse/famfs_wire.h"
#include "famfs/fuse/wire.h"

namespace famlab::famfs::fuse {

struct NoArgs {};
struct NameArgs {  // LOOKUP
  std::string_view name;
};
struct BatchForgetArgs {
  std::vector<ForgetOne> items;
};
struct WriteArgs {
  WriteIn in;
  std::span<const uint8_t> data;
};
struct GetxattrArgs {
  GetxattrIn in;
  std::string_view name;
};
struct ListxattrArgs {
  GetxattrIn in;
};
struct ReaddirArgs {  // READDIR and READDIRPLUS
  ReadIn in;
};
struct GetFmapArgs {
  std::optional<uint32_t> reply_buffer_size;  // RFC V2 only
};
struct OtherArgs {  // opcodes this server only counts and refuses
  std::span<const uint8_t> payload;
};

using RequestArgs = std::variant<NoArgs, InitIn, NameArgs, ForgetIn, BatchForgetArgs, GetattrIn, SetattrIn,
                                 OpenIn, ReadIn, WriteArgs, ReleaseIn, FlushIn, GetxattrArgs, ListxattrArgs,
                                 ReaddirArgs, AccessIn, InterruptIn, LseekIn, GetFmapArgs, OtherArgs>;

// Views (names, write data) point into the buffer that was decoded.
struct Request {
  InHeader header{};
  RequestArgs args;
};

struct DecodeResult {
  std::optional<Request> request;  // set when the whole request is valid
  std::optional<InHeader> header;  // set whenever the header could be read
  std::string error;               // why it is malformed; empty on success
};

DecodeResult decode_request(std::span<const uint8_t> bytes, const FamfsAbi& abi);

}  // namespace famlab::famfs::fuse
