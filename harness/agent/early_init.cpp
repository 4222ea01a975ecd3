#include "harness/agent/early_init.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/unique_fd.h"
#include "harness/agent/system_info.h"
#include "harness/agent/tool_runner.h"

namespace famlab::agent {
namespace {

void mount_one(const char* source, const char* target, const char* type, const char* data,
               std::ostream& log) {
  ::mkdir(target, 0755);
  if (::mount(source, target, type, MS_NOSUID, data) != 0 && errno != EBUSY)
    log << "famlab-agent: mounting " << type << " on " << target << " failed: " << std::strerror(errno)
        << "\n";
}

// Without /dev/console in the initramfs the kernel starts /init with no
// stdio; pipes opened later would then land on fds 0-2 and be clobbered by
// the children's redirections. Needs devtmpfs for /dev/null.
void ensure_stdio() {
  for (int fd = 0; fd <= 2; ++fd)
    if (fcntl(fd, F_GETFD) < 0) {
      UniqueFd null_fd(::open("/dev/null", O_RDWR));
      if (null_fd && null_fd.get() != fd) dup2(null_fd.get(), fd);
      if (null_fd.get() == fd) null_fd.release();  // it is stdio now
    }
}

}  // namespace

std::vector<std::string> parse_module_list(const std::string& text) {
  std::vector<std::string> mods;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string w;
    while (words >> w) mods.push_back(w);
  }
  return mods;
}

void early_init(std::ostream& log) {
  mount_one("proc", "/proc", "proc", nullptr, log);
  mount_one("sysfs", "/sys", "sysfs", nullptr, log);
  mount_one("devtmpfs", "/dev", "devtmpfs", "mode=0755", log);
  mount_one("tmpfs", "/tmp", "tmpfs", "mode=1777", log);
  mount_one("tmpfs", "/run", "tmpfs", "mode=0755", log);
  ensure_stdio();
  setenv("PATH", "/sbin:/bin:/usr/sbin:/usr/bin", 1);
  setenv("HOME", "/", 0);
  setenv("TERM", "linux", 0);

  // The lab kernel has everything built in and no module tree; a stock
  // distribution kernel needs its CXL/DAX modules loaded by hand.
  std::ifstream file("/etc/famlab/modules");
  if (!file) return;
  std::string modules_dir = "/lib/modules/" + kernel_release();
  if (!std::filesystem::is_directory(modules_dir)) return;
  std::stringstream ss;
  ss << file.rdbuf();
  std::vector<std::string> argv = {"modprobe", "-a"};
  for (auto& m : parse_module_list(ss.str())) argv.push_back(m);
  if (argv.size() == 2) return;
  try {
    ToolResult r = run_tool(argv, 60);
    if (!r.ok())
      log << "famlab-agent: " << command_line(argv) << " failed (exit " << r.exit_code << "): " << r.output;
  } catch (const std::exception& e) {
    log << "famlab-agent: " << e.what() << "\n";
  }
}

}  // namespace famlab::agent
