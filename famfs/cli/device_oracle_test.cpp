#include "famfs/cli/device_oracle.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "base/unique_fd.h"
#include "famfs/format/filesystem.h"
#include "famfs/format/test_device.h"
#include "famfs/fuse/fmap_layout.h"

namespace famlab::famfs::cli {
namespace {

constexpr uint64_t M2 = 2ull << 20;

// A regular file standing in for a famfs file: its bytes are whatever
// `where` says each file offset maps to on the device.
struct FakeFile {
  format::TempDeviceFile file{0};
  UniqueFd fd;
  FakeFile(const std::vector<uint8_t>& bytes) {
    UniqueFd w(open(file.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    EXPECT_EQ(write(w.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    fd = UniqueFd(open(file.path().c_str(), O_RDONLY | O_CLOEXEC));
  }
};

std::vector<uint8_t> through(const fuse::FmapMessage& m, uint64_t size, const std::vector<uint8_t>& device,
                             uint64_t skew_after = UINT64_MAX) {
  std::vector<uint8_t> out(size);
  for (uint64_t off = 0; off < size; ++off) {
    auto p = fuse::fmap_locate(m, off);
    uint64_t at = p->offset + (off >= skew_after ? 4096 : 0);  // a kernel translating wrongly past a seam
    out[off] = device[at];
  }
  return out;
}

struct Tagged {
  format::TempDeviceFile dev{64 * M2};
  std::vector<uint8_t> bytes;
  std::unique_ptr<DeviceOracle> oracle;
  Tagged() {
    format::mkfs(*dev.open(), {});
    oracle = std::make_unique<DeviceOracle>(dev.path());
    EXPECT_GT(oracle->tag(), 1000u);
    auto d = dev.open();
    bytes.assign(d->bytes().begin(), d->bytes().end());
  }
};

TEST(DeviceOracle, TagsEveryDataPageAndLeavesTheMetadataAlone) {
  format::TempDeviceFile dev{64 * M2};
  format::mkfs(*dev.open(), {});
  std::vector<uint8_t> before;
  {
    auto d = dev.open();
    before.assign(d->bytes().begin(), d->bytes().end());
  }
  DeviceOracle oracle(dev.path());
  oracle.tag();
  auto d = dev.open();
  uint64_t data = oracle.data_offset();
  EXPECT_TRUE(std::equal(before.begin(), before.begin() + static_cast<long>(data), d->bytes().begin()));
  uint64_t tag;
  std::memcpy(&tag, d->bytes().data() + data + 5 * 4096, 8);
  EXPECT_EQ(tag, page_tag(data + 5 * 4096));
}

TEST(DeviceOracle, AFileReadWhereItsMapSaysPasses) {
  Tagged t;
  const uint64_t base = t.oracle->data_offset();
  fuse::FmapMessage simple = fuse::simple_fmap(3 * M2 + 5, {{0, base + 8 * M2, 2 * M2}, {0, base, 2 * M2}});
  FakeFile f(through(simple, simple.file_size, t.bytes));
  EXPECT_EQ(t.oracle->check(f.fd.get(), simple, simple.file_size), "");
  fuse::FmapMessage striped =
      fuse::interleaved_fmap(6 * M2, M2, {{0, base + 20 * M2, 4 * M2}, {0, base + 30 * M2, 4 * M2}});
  striped.interleaved[0].nbytes = 6 * M2;
  FakeFile g(through(striped, striped.file_size, t.bytes));
  EXPECT_EQ(t.oracle->check(g.fd.get(), striped, striped.file_size), "");
}

TEST(DeviceOracle, BytesFromTheWrongPlaceAfterASeamAreCaught) {
  Tagged t;
  const uint64_t base = t.oracle->data_offset();
  fuse::FmapMessage striped =
      fuse::interleaved_fmap(6 * M2, M2, {{0, base + 20 * M2, 4 * M2}, {0, base + 30 * M2, 4 * M2}});
  striped.interleaved[0].nbytes = 6 * M2;
  FakeFile wrong(through(striped, striped.file_size, t.bytes, 2 * M2));  // skewed from chunk 2 on
  std::string problem = t.oracle->check(wrong.fd.get(), striped, striped.file_size);
  EXPECT_EQ(problem.rfind("across a chunk end: file offset 4194304 reads ", 0), 0u) << problem;  // 2nd seam
  std::vector<uint8_t> cut = through(striped, striped.file_size, t.bytes);
  cut.resize(M2);
  FakeFile shorter(cut);
  EXPECT_EQ(t.oracle->check(shorter.fd.get(), striped, striped.file_size),
            "across a chunk end: reading 32 bytes at 2097136 gave 16 bytes");
}

}  // namespace
}  // namespace famlab::famfs::cli
