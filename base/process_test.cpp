#include "base/process.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

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

// Waits up to `seconds` for `done`; whether it came true. Killing a process
// is asynchronous (on a loaded machine it may take a while to be scheduled
// and die): tests wait for the outcome instead of sleeping a fixed time.
bool eventually(const std::function<bool()>& done, double seconds = 20) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Live processes whose argv is exactly `argv`.
std::vector<pid_t> processes_running(const std::vector<std::string>& argv) {
  std::string want;
  for (const auto& a : argv) want += a + '\0';
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  while (dirent* e = proc ? readdir(proc) : nullptr) {
    pid_t pid = atoi(e->d_name);
    if (pid <= 0) continue;
    std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    if (ss.str() == want && alive(pid)) out.push_back(pid);
  }
  if (proc) closedir(proc);
  return out;
}

// Forks a stand-in for famlab that runs `sh -c "sleep T & sleep T & wait"`
// through run_process, waits until both sleeps (its grandchildren) run,
// SIGKILLs the stand-in and returns the sleeps' argv.
std::vector<std::string> kill_parent_of_sleepers(bool own_pid_namespace) {
  // A sleep time no other process uses: the sleeps' argv marks them.
  std::vector<std::string> sleeper = {
      "sleep", std::to_string(3000 + getpid() % 1000) + (own_pid_namespace ? ".25" : ".75")};
  pid_t famlab = fork();
  if (famlab == 0) {
    ProcessOptions o;
    o.own_pid_namespace = own_pid_namespace;
    const std::string& t = sleeper[1];
    run_process({"sh", "-c", "sleep " + t + " & sleep " + t + " & wait"}, o);
    _exit(0);
  }
  EXPECT_TRUE(eventually([&] { return processes_running(sleeper).size() == 2; }))
      << "the grandchildren never started";
  kill(famlab, SIGKILL);
  int status = 0;
  waitpid(famlab, &status, 0);
  return sleeper;
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
  EXPECT_TRUE(eventually([&] { return !alive(grandchild); }));
}

TEST(Process, OwnPidNamespaceKeepsOutputAndExitStatus) {
  ProcessOptions o;
  o.own_pid_namespace = true;
  auto r = run_process({"sh", "-c", "echo out; echo err >&2; echo $$; exit 3"}, o);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("out\nerr\n"), std::string::npos) << r.output;
  // The child is its namespace's init (which, like any init, ignores
  // signals it has no handler for; famlab only ever SIGKILLs).
  EXPECT_NE(r.output.find("\n1\n"), std::string::npos) << "not the init of its own namespace: " << r.output;
  o.stdin_data = "hello\n";
  EXPECT_EQ(run_process({"cat"}, o).output, "hello\n");
  Child c({"sh", "-c", "exit 5"}, o);
  EXPECT_EQ(c.wait(), 5);
}

// Why builds need it: PR_SET_PDEATHSIG reaches the direct child only, so
// the grandchildren of a famlab killed with SIGKILL live on.
TEST(Process, WithoutAPidNamespaceGrandchildrenOutliveAKilledParent) {
  auto sleeper = kill_parent_of_sleepers(false);
  // Nothing is going to kill them: give a kill every chance to land first.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto survivors = processes_running(sleeper);
  EXPECT_EQ(survivors.size(), 2u);
  for (pid_t p : survivors) kill(p, SIGKILL);
}

TEST(Process, InAPidNamespaceNothingOutlivesAKilledParent) {
  auto sleeper = kill_parent_of_sleepers(true);
  EXPECT_TRUE(eventually([&] { return processes_running(sleeper).empty(); }))
      << processes_running(sleeper).size() << " grandchild(ren) survived famlab's SIGKILL";
  for (pid_t p : processes_running(sleeper)) kill(p, SIGKILL);
}
