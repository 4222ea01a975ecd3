#include "harness/agent/virtio_port.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"

namespace famlab::agent {

std::optional<fs::path> find_virtio_port(const SystemRoots& roots, const std::string& name) {
  fs::path cls = roots.sys / "class/virtio-ports";
  for (const auto& port : list_names(cls, "vport")) {
    if (try_read_attr(cls / port / "name").value_or("") != name) continue;
    fs::path node = roots.dev / port;
    if (fs::exists(node)) return node;
  }
  return std::nullopt;
}

int open_virtio_port(const SystemRoots& roots, const std::string& name, double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    if (auto node = find_virtio_port(roots, name)) {
      int fd = ::open(node->c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
      if (fd >= 0) return fd;
      if (std::chrono::steady_clock::now() >= deadline)
        throw Error("cannot open " + node->string() + " (virtio port " + name + "): " + std::strerror(errno));
    } else if (std::chrono::steady_clock::now() >= deadline) {
      std::string seen;
      fs::path cls = roots.sys / "class/virtio-ports";
      for (const auto& port : list_names(cls, "vport"))
        seen += " " + port + "='" + try_read_attr(cls / port / "name").value_or("?") + "'";
      throw Error("no virtio-serial port named " + name + " appeared within " + format_seconds(timeout_s) +
                  " s (ports:" + (seen.empty() ? std::string(" none") : seen) + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace famlab::agent
