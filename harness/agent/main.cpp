// famlab-agent: /init of the lab's initramfs. It must never exit (PID 1
// exiting panics the kernel): every failure ends in a message on the
// console and in the kernel log, then power-off.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "base/unique_fd.h"
#include "harness/agent/agent.h"
#include "harness/agent/early_init.h"
#include "harness/agent/system_info.h"
#include "harness/agent/virtio_port.h"
#include "protocol/messages.h"

using namespace famlab::agent;

namespace {

[[noreturn]] void die(const std::string& why) {
  std::string line = "<2>famlab-agent: fatal: " + why + "\n";
  if (famlab::UniqueFd fd(::open("/dev/kmsg", O_WRONLY | O_CLOEXEC)); fd) {
    ssize_t ignored = ::write(fd.get(), line.data(), line.size());
    (void)ignored;
  }
  std::cerr << "famlab-agent: fatal: " << why << std::endl;
  if (getpid() != 1) _exit(1);
  power_off();
  for (;;) pause();  // the kernel refused; still never exit
}

}  // namespace

int main() {
  signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error code, not death
  try {
    bool pid1 = getpid() == 1;
    if (pid1) early_init(std::cerr);
    AgentOptions opts;
    opts.modules_dir = "/lib/modules/" + kernel_release();
    opts.power_off = [pid1] {
      if (!pid1) _exit(0);
      power_off();
    };
    int port = open_virtio_port(opts.roots, famlab::protocol::kPortName, 5);
    Agent agent(port, opts);
    agent.run();
    die("the request loop returned");
  } catch (const std::exception& e) {
    die(e.what());
  } catch (...) {
    die("unknown exception");
  }
}
