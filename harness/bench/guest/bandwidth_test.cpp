#include "harness/bench/guest/bandwidth.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace famlab::bench {
namespace {

struct TempFile {
  std::string path;
  explicit TempFile(size_t bytes) {
    char tmpl[] = "/tmp/famlab-bw-XXXXXX";
    int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(ftruncate(fd, static_cast<off_t>(bytes)), 0);
    close(fd);
    path = tmpl;
  }
  ~TempFile() { unlink(path.c_str()); }
};

TEST(Bandwidth, WriteThenReadSeesTheSameBytesBothWays) {
  TempFile f(4 << 20);
  for (Method m : {Method::Io, Method::Mmap}) {
    BandwidthJob w{f.path, m, Direction::Write, 1 << 20, 2 << 20, 1 << 20};
    EXPECT_EQ(measure_bandwidth(w).bytes, 2u << 20);
  }
  BandwidthJob io{f.path, Method::Io, Direction::Read, 1 << 20, 2 << 20, 1 << 20};
  BandwidthJob mm{f.path, Method::Mmap, Direction::Read, 1 << 20, 2 << 20, 1 << 20};
  BandwidthResult a = measure_bandwidth(io), b = measure_bandwidth(mm);
  EXPECT_EQ(a.bytes, 2u << 20);
  EXPECT_NE(a.checksum, 0u);
  EXPECT_EQ(a.checksum, b.checksum);  // both methods read what was written
  BandwidthJob zeros{f.path, Method::Io, Direction::Read, 3 << 20, 1 << 20, 1 << 20};
  EXPECT_NE(measure_bandwidth(zeros).checksum, a.checksum / 2);  // untouched MiB differs
  EXPECT_GT(a.mb_per_s(), 0);
}

TEST(Bandwidth, IoStopsAtEndOfFile) {
  TempFile f(1 << 20);
  BandwidthJob r{f.path, Method::Io, Direction::Read, 0, 4 << 20, 1 << 20};
  EXPECT_EQ(measure_bandwidth(r).bytes, 1u << 20);
}

TEST(Bandwidth, ErrorsNameThePath) {
  BandwidthJob r{"/nonexistent/famlab-bw", Method::Io, Direction::Read, 0, 1 << 20, 1 << 20};
  try {
    measure_bandwidth(r);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/famlab-bw: open"), std::string::npos) << e.what();
  }
  BandwidthJob bad{"/dev/null", Method::Io, Direction::Read, 0, 0, 1 << 20};
  EXPECT_THROW(measure_bandwidth(bad), std::runtime_error);
}

TEST(Bandwidth, JsonLineCarriesTheFigure) {
  BandwidthJob j{"/dev/dax0.0", Method::Mmap, Direction::Write, 0, 0, 1 << 20};
  BandwidthResult r{2000000, 0.5, 0};
  std::string line = to_json_line(j, r);
  EXPECT_NE(line.find("\"mb_per_s\":4.0"), std::string::npos) << line;
  EXPECT_NE(line.find("\"method\":\"mmap\""), std::string::npos) << line;
}

}  // namespace
}  // namespace famlab::bench
