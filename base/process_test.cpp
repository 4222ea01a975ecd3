#include "base/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "base/error.h"

using namespace famlab;

namespace {
// Alive means present and not a zombie: a killed orphan stays a zombie
// until init gets round to reaping it.
bool alive(pid_t pid) {
  FILE* f = fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return false;
  char state = 0;
  int ignored = fscanf(f, "%*d %*s %c", &state);
  fclose(f);
  return ignored == 1 && state != 'Z';
}
}  // namespace

TEST(Process, CapturesOutputAndExitCode) {
  auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
}

TEST(Process, FeedsStdin) {
  ProcessOptions o;
  o.stdin_data = "hello\n";
  EXPECT_EQ(run_process({"cat"}, o).output, "hello\n");
}

TEST(Process, MissingProgramIsAClearError) {
  try {
    run_process({"famlab-no-such-tool"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("famlab-no-such-tool"), std::string::npos);
  }
}

TEST(Process, RunCheckedThrowsWithOutput) {
  try {
    run_checked({"sh", "-c", "echo boom; exit 1"}, "the step");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the step failed"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos);
  }
}

TEST(Process, ChildIsKilledWithItsGroup) {
  pid_t grandchild = 0;
  {
    Child c({"sh", "-c", "sleep 60 & echo $!; wait"});
    std::string out;
    char buf[64];
    for (int i = 0; i < 200 && out.find('\n') == std::string::npos; ++i) {
      ssize_t n = read(c.output_fd(), buf, sizeof buf);
      if (n > 0)
        out.append(buf, static_cast<size_t>(n));
      else
        usleep(10000);
    }
    grandchild = std::stoi(out);
    EXPECT_TRUE(alive(grandchild));
  }  // destructor kills the group
  usleep(50000);
  EXPECT_FALSE(alive(grandchild));
}
