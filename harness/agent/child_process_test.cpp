#include "harness/agent/child_process.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include "base/error.h"
#include "harness/agent/child_reaper.h"

using namespace famlab::agent;

namespace {

std::string read_all(ChildProcess& c, Stream s) {
  std::string out;
  while (c.fd(s) >= 0) {
    pollfd p{c.fd(s), POLLIN, 0};
    poll(&p, 1, 1000);
    auto d = c.read_available(s);
    if (!d) break;
    out += *d;
  }
  return out;
}

}  // namespace

TEST(ChildProcess, SeparatesStreamsAndReportsExitCode) {
  ChildProcess c({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(read_all(c, Stream::Out), "out\n");
  EXPECT_EQ(read_all(c, Stream::Err), "err\n");
  EXPECT_EQ(c.wait(), 3);
}

TEST(ChildProcess, RunsInItsOwnGroupAndDiesByKill) {
  ChildProcess c({"sleep", "30"});
  EXPECT_EQ(getpgid(c.pid()), c.pid());
  EXPECT_FALSE(c.exit_status());
  c.kill_group(SIGKILL);
  EXPECT_EQ(c.wait(), 128 + SIGKILL);
}

TEST(ChildProcess, OrphanSweepKeepsTrackedStatus) {
  ChildProcess c({"sh", "-c", "exit 5"});
  while (!c.exit_status()) reap_children();  // the sweep may reap it first
  EXPECT_EQ(*c.exit_status(), 5);
}

TEST(ChildProcess, MissingProgramIsAnError) {
  try {
    ChildProcess c({"no-such-program-famlab"});
    FAIL() << "no throw";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-program-famlab"), std::string::npos);
  }
  EXPECT_THROW(ChildProcess({}), famlab::Error);
}

TEST(ChildProcess, ChildrenGetDefaultSigpipeThoughTheAgentIgnoresIt) {
  // PID 1 ignores SIGPIPE; its children must not inherit that (an ignored
  // signal stays ignored across exec), or busybox's `yes | head` in a
  // scenario loops on EPIPE forever.
  struct sigaction old {};
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  ChildProcess c({"grep", "SigIgn", "/proc/self/status"});
  std::string out = read_all(c, Stream::Out);
  sigaction(SIGPIPE, &old, nullptr);
  ASSERT_EQ(c.wait(), 0);
  unsigned long long ignored = std::stoull(out.substr(out.find(':') + 1), nullptr, 16);
  EXPECT_EQ(ignored & (1ULL << (SIGPIPE - 1)), 0u) << out;
}
