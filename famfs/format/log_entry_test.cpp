#include "famfs/format/log_entry.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

LogEntry file_entry() {
  LogEntry e;
  e.seq = 3;
  e.type = EntryType::File;
  e.path = "dir/data.bin";
  e.mode = 0640;
  e.uid = 1000;
  e.gid = 100;
  e.mtime = 1700000000;
  e.size = 5 * kAllocUnit + 1;
  e.map = FileMap{FileMap::Kind::Interleaved,
                  {{10 * kAllocUnit, 4 * kAllocUnit}, {20 * kAllocUnit, 4 * kAllocUnit}},
                  2 * kAllocUnit};
  return e;
}

TEST(LogEntry, RoundTrips) {
  std::vector<uint8_t> b = encode_log_entry(file_entry());
  EXPECT_EQ(b.size() % 8, 0u);
  EntryDecode d = decode_log_entry(b);
  ASSERT_EQ(d.status, EntryDecode::Status::Ok) << d.reason;
  EXPECT_EQ(d.length, b.size());
  EXPECT_EQ(d.entry.path, "dir/data.bin");
  EXPECT_EQ(d.entry.seq, 3u);
  EXPECT_EQ(d.entry.uid, 1000u);
  EXPECT_EQ(d.entry.size, 5 * kAllocUnit + 1);
  EXPECT_EQ(d.entry.map, file_entry().map);

  LogEntry dir;
  dir.seq = 1;
  dir.type = EntryType::Mkdir;
  dir.path = "dir";
  dir.mode = 0755;
  EntryDecode dd = decode_log_entry(encode_log_entry(dir));
  ASSERT_EQ(dd.status, EntryDecode::Status::Ok);
  EXPECT_EQ(dd.entry.type, EntryType::Mkdir);
}

TEST(LogEntry, ZerosAreTheEnd) {
  EXPECT_EQ(decode_log_entry(std::vector<uint8_t>(64, 0)).status, EntryDecode::Status::End);
  EXPECT_EQ(decode_log_entry(std::vector<uint8_t>(10, 0xff)).status, EntryDecode::Status::End);
}

TEST(LogEntry, EveryTruncationIsTorn) {
  std::vector<uint8_t> b = encode_log_entry(file_entry());
  for (size_t n = kLogEntryHeaderBytes; n < b.size(); ++n) {
    std::vector<uint8_t> cut(b.begin(), b.begin() + static_cast<long>(n));
    EXPECT_EQ(decode_log_entry(cut).status, EntryDecode::Status::Torn) << n;
  }
}

TEST(LogEntry, AnyGarbledByteIsTorn) {
  std::vector<uint8_t> b = encode_log_entry(file_entry());
  for (size_t i = 0; i < b.size(); ++i) {
    std::vector<uint8_t> bad = b;
    bad[i] ^= 0x10;
    EntryDecode d = decode_log_entry(bad);
    EXPECT_EQ(d.status, EntryDecode::Status::Torn) << "byte " << i;
    EXPECT_FALSE(d.reason.empty());
  }
}

TEST(LogEntry, RefusesWhatCannotBeEncoded) {
  LogEntry e = file_entry();
  e.path = std::string(kMaxPathBytes + 1, 'a');
  EXPECT_THROW(encode_log_entry(e), Error);
  e.path = "";
  EXPECT_THROW(encode_log_entry(e), Error);
  e = file_entry();
  e.map.extents.resize(300);  // 300 * 16 bytes: over the entry limit
  EXPECT_THROW(encode_log_entry(e), Error);
}

TEST(LogEntry, SeveralInterleavedExtentsRoundTrip) {
  LogEntry e = file_entry();
  e.map = striped_map({Stripe{6 * kAllocUnit,
                              4 * kAllocUnit,
                              {{10 * kAllocUnit, 4 * kAllocUnit}, {20 * kAllocUnit, 4 * kAllocUnit}}},
                       Stripe{2 * kAllocUnit, 2 * kAllocUnit, {{30 * kAllocUnit, 2 * kAllocUnit}}}});
  std::vector<uint8_t> b = encode_log_entry(e);
  EntryDecode d = decode_log_entry(b);
  ASSERT_EQ(d.status, EntryDecode::Status::Ok) << d.reason;
  EXPECT_EQ(d.entry.map, e.map);
  for (size_t cut = kLogEntryHeaderBytes; cut < b.size(); cut += 8)
    EXPECT_NE(decode_log_entry(std::span<const uint8_t>(b).first(cut)).status, EntryDecode::Status::Ok)
        << cut;
}

}  // namespace
}  // namespace famlab::famfs::format
