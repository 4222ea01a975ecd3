#include "famfs/server/logplay_report.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace famlab::famfs::server {
namespace {

TEST(LogplayReport, RoundTrips) {
  LogplayReport r{"client", 3, 2, 9, 1208, 8u << 20, "torn", "torn tail at log offset 1208: ..."};
  LogplayReport back = decode_logplay_report(encode_logplay_report(r));
  EXPECT_EQ(back.role, "client");
  EXPECT_EQ(back.logplay, 3u);
  EXPECT_EQ(back.new_entries, 2u);
  EXPECT_EQ(back.entries, 9u);
  EXPECT_EQ(back.log_used, 1208u);
  EXPECT_EQ(back.log_size, 8u << 20);
  EXPECT_EQ(back.log_tail, "torn");
  EXPECT_EQ(back.tail, r.tail);
}

TEST(LogplayReport, NeverLongerThanTheProbePromised) {
  LogplayReport r{"client", 1, 0, 0, 0, 0, "damaged", std::string(10000, 'x')};
  EXPECT_LE(encode_logplay_report(r).size(), kLogplayReportMax);
}

TEST(LogplayReport, BadTextIsAnError) {
  EXPECT_THROW(decode_logplay_report("not json"), Error);
  EXPECT_THROW(decode_logplay_report("{\"role\":\"client\"}"), Error);
  EXPECT_THROW(decode_logplay_report("[]"), Error);
}

}  // namespace
}  // namespace famlab::famfs::server
