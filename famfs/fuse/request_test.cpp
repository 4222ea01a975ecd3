#include "famfs/fuse/request.h"

#include <gtest/gtest.h>

#include <cstring>

#include "famfs/fuse/request_builder.h"

namespace famlab::famfs::fuse {
namespace {

const FamfsAbi& v2 = famfs_abi(AbiGeneration::RfcV2);
const FamfsAbi& v3 = famfs_abi(AbiGeneration::V3);

DecodeResult decode(const Bytes& b, const FamfsAbi& abi = v2) { return decode_request(b, abi); }

template <class T>
T args_of(const DecodeResult& r) {
  EXPECT_TRUE(r.request) << r.error;
  return std::get<T>(r.request->args);
}

// One well-formed request for every opcode the decoder knows, plus the
// minimum argument size each one needs.
struct Sample {
  uint32_t opcode;
  Bytes bytes;
  size_t min_payload;
};

std::vector<Sample> every_request() {
  InitIn init{};
  init.major = 7;
  init.minor = 41;
  init.flags = 1u << 30;
  init.flags2 = 1u << 10;
  GetattrIn getattr{};
  SetattrIn setattr{};
  OpenIn open{};
  ReadIn read{};
  read.size = 4096;
  WriteIn write{};
  write.size = 3;
  const uint8_t data[3] = {'a', 'b', 'c'};
  ReleaseIn release{};
  FlushIn flush{};
  GetxattrIn getx{};
  AccessIn access{};
  InterruptIn interrupt{};
  LseekIn lseek{};
  ForgetIn forget{1};
  BatchForgetIn batch{2, 0};
  ForgetOne one[2] = {{5, 1}, {6, 2}};
  GetFmapIn fmap{4096, 0};
  Bytes name = name_arg("file");
  Bytes xname = name_arg("user.x");
  return {
      {kInit, encode_request(kInit, 1, 0, {record_bytes(init)}), kInitInMinSize},
      {kLookup, encode_request(kLookup, 2, 1, {name}), 1},
      {kForget, encode_request(kForget, 3, 5, {record_bytes(forget)}), 8},
      {kBatchForget, encode_request(kBatchForget, 4, 0, {record_bytes(batch), record_bytes(one)}), 40},
      {kGetattr, encode_request(kGetattr, 5, 1, {record_bytes(getattr)}), 16},
      {kSetattr, encode_request(kSetattr, 6, 2, {record_bytes(setattr)}), 88},
      {kOpen, encode_request(kOpen, 7, 2, {record_bytes(open)}), 8},
      {kOpendir, encode_request(kOpendir, 8, 1, {record_bytes(open)}), 8},
      {kRead, encode_request(kRead, 9, 2, {record_bytes(read)}), 40},
      {kReaddir, encode_request(kReaddir, 10, 1, {record_bytes(read)}), 40},
      {kReaddirplus, encode_request(kReaddirplus, 11, 1, {record_bytes(read)}), 40},
      {kWrite, encode_request(kWrite, 12, 2, {record_bytes(write), data}), 43},
      {kRelease, encode_request(kRelease, 13, 2, {record_bytes(release)}), 24},
      {kReleasedir, encode_request(kReleasedir, 14, 1, {record_bytes(release)}), 24},
      {kFlush, encode_request(kFlush, 15, 2, {record_bytes(flush)}), 24},
      {kGetxattr, encode_request(kGetxattr, 16, 2, {record_bytes(getx), xname}), 9},
      {kListxattr, encode_request(kListxattr, 17, 2, {record_bytes(getx)}), 8},
      {kAccess, encode_request(kAccess, 18, 2, {record_bytes(access)}), 8},
      {kInterrupt, encode_request(kInterrupt, 19, 0, {record_bytes(interrupt)}), 8},
      {kLseek, encode_request(kLseek, 20, 2, {record_bytes(lseek)}), 24},
      {kStatfs, encode_request(kStatfs, 21, 1), 0},
      {kDestroy, encode_request(kDestroy, 22, 0), 0},
      {53, encode_request(53, 23, 2, {record_bytes(fmap)}), 0},  // GET_FMAP (RFC V2)
      {54, encode_request(54, 24, 0), 0},                        // GET_DAXDEV (RFC V2)
      {kMkdir, encode_request(kMkdir, 25, 1, {name}), 0},        // refused, decoded as OtherArgs
  };
}

TEST(FuseRequest, EveryOpcodeDecodes) {
  for (const auto& s : every_request()) {
    DecodeResult r = decode(s.bytes);
    ASSERT_TRUE(r.request) << "opcode " << s.opcode << ": " << r.error;
    EXPECT_EQ(r.request->header.opcode, s.opcode);
    EXPECT_TRUE(r.error.empty());
  }
}

TEST(FuseRequest, EveryTruncationIsRejectedOrHarmless) {
  // Cut each request at every length, keeping the header's len honest, and
  // check that anything below the opcode's minimum is an error. Under ASan
  // this also proves no byte past the buffer is read.
  for (const auto& s : every_request()) {
    for (size_t cut = sizeof(InHeader); cut < s.bytes.size(); ++cut) {
      Bytes b(s.bytes.begin(), s.bytes.begin() + static_cast<long>(cut));
      uint32_t len = static_cast<uint32_t>(cut);
      std::memcpy(b.data(), &len, sizeof(len));
      DecodeResult r = decode(b);
      ASSERT_TRUE(r.header) << "opcode " << s.opcode;
      if (cut - sizeof(InHeader) < s.min_payload) {
        EXPECT_FALSE(r.request) << "opcode " << s.opcode << " accepted with " << cut << " bytes";
      }
      if (!r.request) {
        EXPECT_FALSE(r.error.empty());
      }
    }
  }
}

TEST(FuseRequest, ShorterThanHeaderHasNoHeader) {
  Bytes b(39, 0);
  DecodeResult r = decode(b);
  EXPECT_FALSE(r.header);
  EXPECT_FALSE(r.request);
  EXPECT_NE(r.error.find("shorter than its 40-byte header"), std::string::npos) << r.error;
  EXPECT_FALSE(decode(Bytes{}).header);
}

TEST(FuseRequest, LengthMismatchKeepsHeaderForTheErrorReply) {
  Bytes b = encode_request(kStatfs, 77, 1);
  b.push_back(0);  // one byte more than the header says
  DecodeResult r = decode(b);
  ASSERT_TRUE(r.header);
  EXPECT_EQ(r.header->unique, 77u);
  EXPECT_FALSE(r.request);
  EXPECT_NE(r.error.find("header says 40 bytes but 41"), std::string::npos) << r.error;
}

TEST(FuseRequest, ExtensionsLongerThanPayloadAreRejected) {
  Bytes b = encode_request(kLookup, 1, 1, {name_arg("abc")});
  InHeader h;
  std::memcpy(&h, b.data(), sizeof(h));
  h.total_extlen = 1;  // 8 bytes of extensions, but only 4 bytes of payload
  std::memcpy(b.data(), &h, sizeof(h));
  DecodeResult r = decode(b);
  EXPECT_FALSE(r.request);
  EXPECT_NE(r.error.find("extensions of 8 bytes"), std::string::npos) << r.error;
}

TEST(FuseRequest, ExtensionsAreCutOffTheArguments) {
  // The name must be terminated before the extension area starts.
  Bytes ext(8, 0);
  Bytes b = encode_request(kLookup, 1, 1, {name_arg("abc"), ext});
  InHeader h;
  std::memcpy(&h, b.data(), sizeof(h));
  h.total_extlen = 1;
  std::memcpy(b.data(), &h, sizeof(h));
  EXPECT_EQ(args_of<NameArgs>(decode(b)).name, "abc");

  Bytes unterminated{'a', 'b', 'c'};
  Bytes b2 = encode_request(kLookup, 1, 1, {unterminated, ext});
  std::memcpy(b2.data(), &h, sizeof(h));
  uint32_t len = static_cast<uint32_t>(b2.size());
  std::memcpy(b2.data(), &len, 4);
  EXPECT_FALSE(decode(b2).request);
}

TEST(FuseRequest, LookupNameMustBeTerminated) {
  Bytes raw{'n', 'o', 'n', 'u', 'l'};
  DecodeResult r = decode(encode_request(kLookup, 1, 1, {raw}));
  EXPECT_FALSE(r.request);
  EXPECT_NE(r.error.find("LOOKUP: name is not NUL-terminated"), std::string::npos) << r.error;
  Bytes ok = encode_request(kLookup, 1, 1, {name_arg("x")});
  EXPECT_EQ(args_of<NameArgs>(decode(ok)).name, "x");  // views point into `ok`
}

TEST(FuseRequest, WriteDataMustMatchItsSize) {
  WriteIn w{};
  w.size = 10;
  Bytes data(4, 'x');
  DecodeResult r = decode(encode_request(kWrite, 1, 2, {record_bytes(w), data}));
  EXPECT_FALSE(r.request);
  EXPECT_NE(r.error.find("claims 10 data bytes but carries 4"), std::string::npos) << r.error;

  w.size = 4;
  w.offset = 8192;
  Bytes ok = encode_request(kWrite, 1, 2, {record_bytes(w), data});
  WriteArgs a = args_of<WriteArgs>(decode(ok));
  EXPECT_EQ(a.in.offset, 8192u);
  ASSERT_EQ(a.data.size(), 4u);
  EXPECT_EQ(a.data[3], 'x');
}

TEST(FuseRequest, BatchForgetCountCannotOverflow) {
  BatchForgetIn in{0xFFFFFFFFu, 0};
  ForgetOne one{1, 1};
  DecodeResult r = decode(encode_request(kBatchForget, 1, 0, {record_bytes(in), record_bytes(one)}));
  EXPECT_FALSE(r.request);
  EXPECT_NE(r.error.find("count 4294967295"), std::string::npos) << r.error;

  in.count = 1;
  auto a = args_of<BatchForgetArgs>(
      decode(encode_request(kBatchForget, 1, 0, {record_bytes(in), record_bytes(one)})));
  ASSERT_EQ(a.items.size(), 1u);
  EXPECT_EQ(a.items[0].nodeid, 1u);
}

TEST(FuseRequest, InitAcceptsTheOldShortForm) {
  uint32_t old_init[4] = {7, 20, 65536, 1};
  InitIn in = args_of<InitIn>(decode(encode_request(kInit, 1, 0, {record_bytes(old_init)})));
  EXPECT_EQ(in.minor, 20u);
  EXPECT_EQ(in.flags, 1u);
  EXPECT_EQ(in.flags2, 0u);  // not sent: zero, not garbage
}

TEST(FuseRequest, FamfsOpcodesFollowTheAbiGeneration) {
  GetFmapIn in{4096, 0};
  Bytes with_size = encode_request(53, 1, 2, {record_bytes(in)});
  EXPECT_EQ(args_of<GetFmapArgs>(decode(with_size, v2)).reply_buffer_size, 4096u);
  // In the V3 generation 53 is not a famfs opcode: just an unsupported one.
  DecodeResult r3 = decode(with_size, v3);
  ASSERT_TRUE(r3.request);
  EXPECT_TRUE(std::holds_alternative<OtherArgs>(r3.request->args));

  // V3+ sends GET_FMAP (54) with no argument; 54 in RFC V2 is GET_DAXDEV.
  Bytes bare = encode_request(54, 2, 2);
  EXPECT_FALSE(args_of<GetFmapArgs>(decode(bare, v3)).reply_buffer_size);
  EXPECT_TRUE(std::holds_alternative<NoArgs>(decode(bare, v2).request->args));

  // A GET_FMAP argument that is neither absent nor whole is malformed.
  Bytes partial{1, 2, 3};
  EXPECT_FALSE(decode(encode_request(53, 3, 2, {partial}), v2).request);
}

TEST(FuseRequest, GetxattrNeedsATerminatedName) {
  GetxattrIn in{64, 0};
  Bytes raw{'u', 's'};
  EXPECT_FALSE(decode(encode_request(kGetxattr, 1, 2, {record_bytes(in), raw})).request);
  Bytes ok = encode_request(kGetxattr, 1, 2, {record_bytes(in), name_arg("user.a")});
  auto a = args_of<GetxattrArgs>(decode(ok));
  EXPECT_EQ(a.name, "user.a");
  EXPECT_EQ(a.in.size, 64u);
}

TEST(FuseRequest, UnknownOpcodeKeepsItsPayload) {
  Bytes payload{1, 2, 3, 4};
  Bytes req = encode_request(999, 1, 1, {payload});
  auto a = args_of<OtherArgs>(decode(req));
  EXPECT_EQ(a.payload.size(), 4u);
}

}  // namespace
}  // namespace famlab::famfs::fuse
