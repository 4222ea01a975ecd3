#include "famfs/server/status_recorder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace famlab::famfs::server {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct TempPath {
  std::string path = "/tmp/famfs-status-test-" + std::to_string(getpid()) + ".json";
  ~TempPath() { unlink(path.c_str()); }
};

TEST(StatusRecorder, WritesEveryNRequestsAndWhenAsked) {
  TempPath t;
  StatusRecorder r(t.path, 3);
  r.count_request("READ");
  r.count_request("READ");
  r.write_if_due();
  EXPECT_EQ(access(t.path.c_str(), F_OK), -1);  // not yet
  r.count_request("GET_FMAP");
  r.write_if_due();
  protocol::FamfsStatus s = protocol::decode_famfs_status(slurp(t.path));
  EXPECT_EQ(s.opcodes.at("READ"), 2u);
  EXPECT_EQ(s.opcodes.at("GET_FMAP"), 1u);
  EXPECT_EQ(s.requests, 3u);
  EXPECT_EQ(s.pid, getpid());

  r.status().state = "died";
  r.mark_changed();
  r.write_if_dirty();
  EXPECT_EQ(protocol::decode_famfs_status(slurp(t.path)).state, "died");
  EXPECT_EQ(access((t.path + ".tmp." + std::to_string(getpid())).c_str(), F_OK), -1);  // renamed away
}

TEST(StatusRecorder, UnwritablePathDoesNotStopTheServer) {
  StatusRecorder r("/nonexistent-dir/status.json", 1);
  r.count_request("READ");
  r.write_if_due();  // warns once on stderr, does not throw
  EXPECT_EQ(r.status().requests, 1u);
}

}  // namespace
}  // namespace famlab::famfs::server
