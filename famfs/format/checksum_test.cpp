#include "famfs/format/checksum.h"

#include <gtest/gtest.h>

#include <string_view>

namespace famlab::famfs::format {
namespace {

TEST(Crc32c, KnownVector) {
  std::string_view s = "123456789";  // the standard check value for CRC-32C
  EXPECT_EQ(crc32c({reinterpret_cast<const uint8_t*>(s.data()), s.size()}), 0xE3069283u);
  EXPECT_EQ(crc32c({}), 0u);
}

}  // namespace
}  // namespace famlab::famfs::format
