#include "harness/guest-tools/probe_ops.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace famlab::probe {
namespace {

TEST(ProbeOps, ParsesEveryOperationAndRefusesTheRest) {
  auto m = parse_op("map:0:4M");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, OpKind::Map);
  EXPECT_EQ(m->length, 4u << 20);
  auto c = parse_op("copy:/mnt/f/b:0:2M:4K");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path, "/mnt/f/b");
  EXPECT_EQ(c->offset_out, 2u << 20);
  EXPECT_EQ(c->length, 4096u);
  auto s = parse_op("show:/sys/kernel/debug/bdi/0:42/stats");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path, "/sys/kernel/debug/bdi/0:42/stats");
  EXPECT_EQ(parse_op("touch:0x1000")->offset, 4096u);
  EXPECT_EQ(parse_op("fdatasync")->kind, OpKind::Fdatasync);
  for (const char* bad : {"map:0", "map:0:0", "touch", "touch:x", "copy::0:0:1", "msync:1", "wait:", "frob"})
    EXPECT_FALSE(parse_op(bad)) << bad;
  EXPECT_FALSE(parse_size("3Q"));
  EXPECT_FALSE(parse_size("99999999999G"));
}

class TempFile {
 public:
  explicit TempFile(size_t bytes) {
    char tmpl[] = "/tmp/famlab-probe-XXXXXX";
    int fd = mkstemp(tmpl);
    path_ = tmpl;
    if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) std::abort();
    close(fd);
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A mapping longer than the file: touching past its end is a real SIGBUS,
// which the probe reports and survives.
TEST(ProbeOps, ReportsEachOutcomeIncludingSigbusAndGoesOn) {
  TempFile f(4096);
  TempFile dst(8192);
  std::vector<Op> ops;
  for (const char* w : {"map:0:8K", "write:0", "touch:4096", "msync", "pread:0:4096", "pread:0:8192", "fsync",
                        "copy:", "touch:0"}) {
    if (std::string(w) == "copy:") {
      ops.push_back(*parse_op("copy:" + dst.path() + ":0:4096:100"));
      continue;
    }
    ops.push_back(*parse_op(w));
  }
  testing::internal::CaptureStdout();
  ASSERT_TRUE(run_ops(f.path(), ops));
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("map 0+8192: ok"), std::string::npos) << out;
  EXPECT_NE(out.find("write 0: ok"), std::string::npos) << out;
  EXPECT_NE(out.find("touch 4096: SIGBUS BUS_ADRERR"), std::string::npos) << out;
  EXPECT_NE(out.find("msync: ok"), std::string::npos) << out;
  EXPECT_NE(out.find("pread 0+8192: 4096 bytes"), std::string::npos) << out;
  EXPECT_NE(out.find("copy: 100 bytes"), std::string::npos) << out;
  EXPECT_NE(out.find("touch 0: ok"), std::string::npos) << out;
}

TEST(ProbeOps, ShowsTheLineWithAKey) {
  TempFile f(0);
  std::ofstream(f.path()) << "BdiWriteback: 0 kB\nb_dirty:            1\nb_io: 0\n";
  testing::internal::CaptureStdout();
  ASSERT_TRUE(run_ops(f.path(), {*parse_op("show:" + f.path() + "#b_dirty"), *parse_op("show:" + f.path())}));
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("#b_dirty: b_dirty:            1\n"), std::string::npos) << out;
  EXPECT_NE(out.find(": BdiWriteback: 0 kB\n"), std::string::npos) << out;
}

TEST(ProbeOps, SaysWhenTheFileCannotBeOpened) {
  testing::internal::CaptureStdout();
  EXPECT_FALSE(run_ops("/nonexistent/famlab", {*parse_op("fsync")}));
  EXPECT_NE(testing::internal::GetCapturedStdout().find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace famlab::probe
