#include "lab/vm/agent_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/error.h"

namespace famlab::vm {

AgentChannel::~AgentChannel() = default;

bool AgentChannel::try_connect(const std::filesystem::path& socket_path) {
  if (fd_) return true;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string p = socket_path.string();
  if (p.size() >= sizeof addr.sun_path) throw Error("agent socket path too long: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw Error(std::string("socket: ") + strerror(errno));
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
  fcntl(fd.get(), F_SETFL, O_NONBLOCK);
  fd_ = std::move(fd);
  return true;
}

void AgentChannel::send_line(const std::string& line) {
  if (!fd_) throw Error("agent channel is not connected");
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = write(fd_.get(), line.data() + off, line.size() - off);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd_.get(), POLLOUT, 0};
      poll(&p, 1, 100);
    } else {
      throw Error(std::string("writing to the agent failed: ") + strerror(errno));
    }
  }
}

bool AgentChannel::read_available() {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd_.get(), buf, sizeof buf);
    if (n > 0) {
      lines_.feed(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

}  // namespace famlab::vm
