#include "lab/vm/libvirt_backend.h"

#include <fcntl.h>
#include <grp.h>
#include <libvirt/virterror.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "base/error.h"
#include "base/unique_fd.h"
#include "lab/vm/qmp_libvirt.h"

namespace fs = std::filesystem;

namespace famlab::vm {
namespace {

constexpr size_t kChunk = 64 * 1024;

void write_text(const fs::path& dir, const std::string& name, const std::string& text) {
  if (dir.empty()) return;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out << text;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A unix socket listening at path (the guest session connects to it).
int listen_unix(const fs::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof addr.sun_path)
    throw Error("agent socket path " + path.string() + " is longer than a unix socket allows");
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw Error("cannot create a unix socket: " + std::string(std::strerror(errno)));
  fs::remove(path);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(fd.get(), 1) < 0)
    throw Error("cannot listen on " + path.string() + ": " + std::strerror(errno));
  return fd.release();
}

// Writes what it can of buf to a non-blocking fd; false when the peer is gone.
bool write_some(int fd, std::string& buf) {
  while (!buf.empty()) {
    ssize_t n = write(fd, buf.data(), std::min(buf.size(), kChunk));
    if (n > 0) {
      buf.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

}  // namespace

// Moves bytes between the libvirt streams and famlab's local ends, in its
// own thread. Streams are non-blocking; libvirt's event loop thread fills
// them, this thread polls them (and the local sockets) every few ms.
class LibvirtBackend::Pump {
 public:
  Pump(virStreamPtr console, virStreamPtr channel, int listen_fd)
      : console_(console), channel_(channel), listen_fd_(listen_fd) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
      throw Error("cannot create the console socket pair: " + std::string(std::strerror(errno)));
    }
    user_end_.reset(sv[0]);
    pump_end_.reset(sv[1]);
    set_nonblocking(user_end_.get());
    set_nonblocking(pump_end_.get());
  }

  // Starts moving bytes (once the streams are open).
  void begin() {
    thread_ = std::thread([this] { run(); });
  }

  ~Pump() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    for (virStreamPtr st : {console_, channel_}) {
      if (!st) continue;
      virStreamAbort(st);
      virStreamFree(st);
    }
  }

  int console_fd() const { return user_end_.get(); }
  bool console_eof() const { return console_eof_.load(); }
  bool channel_eof() const { return channel_eof_.load(); }

 private:
  // Whatever the stream holds now; false at its end (EOF or error).
  static bool drain(virStreamPtr st, std::string& into) {
    char buf[kChunk];
    for (int i = 0; i < 16; ++i) {
      int n = virStreamRecv(st, buf, sizeof buf);
      if (n > 0) {
        into.append(buf, static_cast<size_t>(n));
        continue;
      }
      return n == -2;  // -2: nothing right now; 0: EOF; -1: error
    }
    return true;
  }

  void run() {
    std::string to_console, to_client, to_guest;
    bool client_eof = false, client_shut = false;
    while (!stop_.load()) {
      pollfd fds[3];
      nfds_t n = 0;
      if (client_fd_.get() < 0) fds[n++] = {listen_fd_.get(), POLLIN, 0};
      if (client_fd_.get() >= 0) {
        fds[n++] = {client_fd_.get(),
                    static_cast<short>((client_eof ? 0 : POLLIN) | (to_client.empty() ? 0 : POLLOUT)), 0};
      }
      if (!to_console.empty()) fds[n++] = {pump_end_.get(), POLLOUT, 0};
      poll(fds, n, 5);

      if (client_fd_.get() < 0) {
        int c = accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c >= 0) client_fd_.reset(c);
      }
      if (client_fd_.get() >= 0 && !client_eof) {
        char buf[kChunk];
        for (;;) {
          ssize_t r = read(client_fd_.get(), buf, sizeof buf);
          if (r > 0) {
            to_guest.append(buf, static_cast<size_t>(r));
            continue;
          }
          if (r == 0) client_eof = true;
          break;
        }
      }
      if (!to_guest.empty() && !channel_eof_.load()) {
        int r = virStreamSend(channel_, to_guest.data(), std::min(to_guest.size(), kChunk));
        if (r > 0)
          to_guest.erase(0, static_cast<size_t>(r));
        else if (r != -2)
          channel_eof_.store(true);
      }
      if (!console_eof_.load() && !drain(console_, to_console)) console_eof_.store(true);
      if (!channel_eof_.load() && !drain(channel_, to_client)) channel_eof_.store(true);

      if (!to_console.empty() && !write_some(pump_end_.get(), to_console)) to_console.clear();
      if (client_fd_.get() >= 0 && !to_client.empty() && !write_some(client_fd_.get(), to_client))
        to_client.clear();
      // The guest's side of the channel closed: tell the session (EOF), as
      // QEMU's own socket would.
      if (channel_eof_.load() && to_client.empty() && client_fd_.get() >= 0 && !client_shut) {
        shutdown(client_fd_.get(), SHUT_WR);
        client_shut = true;
      }
    }
  }

  virStreamPtr console_;
  virStreamPtr channel_;
  UniqueFd listen_fd_;
  UniqueFd client_fd_;
  UniqueFd user_end_, pump_end_;
  std::atomic<bool> stop_{false}, console_eof_{false}, channel_eof_{false};
  std::thread thread_;
};

// The kernel, the initrd and a state to restore go into the run directory,
// the only place libvirt's QEMU may read (and that a remote host shares).
plan::VmDescription stage_boot_files(plan::VmDescription vm, const fs::path& run_dir) {
  for (fs::path* file : {&vm.boot.kernel, &vm.boot.initrd, &vm.restore_state}) {
    if (file->empty()) continue;
    fs::path to = run_dir / ("boot-" + file->filename().string());
    std::error_code ec;
    fs::copy_file(*file, to, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(Location{file->string()}, "cannot copy into the run directory: " + ec.message());
    *file = to;
  }
  return vm;
}

LibvirtBackend::LibvirtBackend(Options options) : options_(std::move(options)) {
  if (!options_.connection) throw Error("LibvirtBackend: no connection");
}

LibvirtBackend::~LibvirtBackend() { kill(); }

namespace {

// The libvirt-run QEMU must open the files in the run directory (kernel,
// initrd, memory backing files it creates). A system daemon runs QEMU as its
// own user (qemu.conf user=, the DAC base label): the run directory becomes
// that user's, still 0700. Only possible on this machine and as root.
void hand_run_dir_to_qemu(const LibvirtConnection& c, const fs::path& run_dir, const fs::path& shared_dir,
                          const std::string& domain_type) {
  auto owner = c.qemu_owner(domain_type);
  if (!owner || owner->first == geteuid()) return;
  if (geteuid() != 0) {
    throw HostError(HostError::Kind::Refused,
                    "libvirt " + c.uri() + ": QEMU runs as uid " + std::to_string(owner->first) +
                        ", famlab (uid " + std::to_string(geteuid()) + ") cannot hand it the run directory " +
                        run_dir.string() +
                        "; run famlab as root or use a daemon that runs QEMU as you (qemu:///session)");
  }
  auto give = [&](const fs::path& p) {
    if (lchown(p.c_str(), owner->first, owner->second) != 0)
      throw Error(Location{p.string()}, "cannot hand to the QEMU user: " + std::string(std::strerror(errno)));
  };
  // The shared directory (ours, above run_dir) and the memory files in it:
  // every guest's QEMU maps them.
  if (!shared_dir.empty()) {
    give(shared_dir);
    for (const auto& e : fs::directory_iterator(shared_dir))
      if (e.is_regular_file()) give(e.path());
  }
  // QEMU must also get through every directory above it.
  std::vector<gid_t> groups{owner->second};
  if (passwd* pw = getpwuid(owner->first)) {
    int n = 64;
    std::vector<gid_t> g(static_cast<size_t>(n));
    if (getgrouplist(pw->pw_name, owner->second, g.data(), &n) >= 0) groups.assign(g.begin(), g.begin() + n);
  }
  for (fs::path p = run_dir.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (stat(p.c_str(), &st) == 0) {
      bool ok = st.st_uid == owner->first                                            ? (st.st_mode & S_IXUSR)
                : std::find(groups.begin(), groups.end(), st.st_gid) != groups.end() ? (st.st_mode & S_IXGRP)
                                                                                     : (st.st_mode & S_IXOTH);
      if (!ok) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
        throw HostError(HostError::Kind::Refused,
                        "libvirt " + c.uri() + ": QEMU runs as uid " + std::to_string(owner->first) +
                            " and cannot enter " + p.string() + " (mode " + mode +
                            ") above the run directory; set TMPDIR to a directory it can reach");
      }
    }
    if (p == p.root_path()) break;
  }
  give(run_dir);
  for (const auto& e : fs::directory_iterator(run_dir)) give(e.path());
}

}  // namespace

void LibvirtBackend::start(const VmSpec& spec) {
  if (dom_ || killed_) throw Error("LibvirtBackend: already started");
  if (spec.interactive)
    throw Error("the libvirt backend has no interactive console (famlab shell uses QEMU directly)");
  LibvirtConnection& c = *options_.connection;
  const std::string& name = options_.domain.name;
  if (!c.alive()) throw HostError(HostError::Kind::Down, c.message("the connection is gone"));

  fs::path run_dir = spec.run_dir.empty() ? spec.vm.agent.socket.parent_path() : spec.run_dir;
  options_.domain.owner.run_dir = run_dir.string();
  const plan::VmDescription vm = plan::through_libvirt(stage_boot_files(spec.vm, run_dir));
  const std::string& channel_name = vm.agent.port_name;
  std::string xml = make_domain_xml(vm, options_.domain);
  write_text(options_.artifacts, "domain.xml", xml);
  if (c.same_machine())
    hand_run_dir_to_qemu(c, run_dir, spec.shared_dir, libvirt_domain_type(vm.machine.accel));

  UniqueFd listen_fd(listen_unix(vm.agent.socket));
  // Paused until both streams are open: not a byte of the console is lost.
  virDomainPtr d = virDomainCreateXML(c.get(), xml.c_str(), VIR_DOMAIN_START_PAUSED);
  if (!d) {
    std::string why = libvirt_error();
    bool connection = libvirt_error_is_connection();
    auto kind = connection || !c.alive() ? HostError::Kind::Down : HostError::Kind::Refused;
    throw HostError(kind, "libvirt " + c.uri() + ": cannot start domain " + name + ": " + why);
  }
  dom_ = LibvirtDomain(d);

  // Any failure from here destroys the domain again.
  auto fail = [&](const std::string& what) {
    std::string why = libvirt_error();
    bool connection = libvirt_error_is_connection();
    pump_.reset();
    virDomainDestroy(dom_.get());
    dom_.reset();
    auto kind = connection || !c.alive() ? HostError::Kind::Down : HostError::Kind::Refused;
    throw HostError(
        kind, "libvirt " + c.uri() + ": domain " + name + ": " + what + (why.empty() ? "" : ": " + why));
  };
  virStreamPtr console = virStreamNew(c.get(), VIR_STREAM_NONBLOCK);
  virStreamPtr channel = virStreamNew(c.get(), VIR_STREAM_NONBLOCK);
  // The pump owns the streams and the listening socket from here on.
  try {
    pump_ = std::make_unique<Pump>(console, channel, listen_fd.release());
  } catch (const Error&) {
    virDomainDestroy(d);
    dom_.reset();
    throw;
  }
  if (!console || !channel) fail("cannot create streams");
  if (virDomainOpenConsole(d, nullptr, console, VIR_DOMAIN_CONSOLE_FORCE) < 0)
    fail("cannot open the serial console");
  if (virDomainOpenChannel(d, channel_name.c_str(), channel, VIR_DOMAIN_CHANNEL_FORCE) < 0)
    fail("cannot open the agent channel " + channel_name);
  pump_->begin();
  if (virDomainResume(d) < 0) fail("cannot resume");
  if (char* live = virDomainGetXMLDesc(d, 0)) {
    write_text(options_.artifacts, "domain-live.xml", live);
    free(live);
  }
  next_check_ = Clock::now();
}

int LibvirtBackend::console_fd() const { return pump_ ? pump_->console_fd() : -1; }

std::optional<int> LibvirtBackend::exited() {
  if (!dom_) return exit_status_.value_or(0);
  if (exit_status_) return exit_status_;
  auto now = Clock::now();
  bool hint = pump_ && (pump_->console_eof() || pump_->channel_eof());
  if (!gone_at_) {
    // One round trip to the host per 250 ms, or at once when a stream ended.
    if (now < next_check_ && !hint) return std::nullopt;
    next_check_ = now + std::chrono::milliseconds(250);
    int state = 0, reason = 0;
    if (virDomainGetState(dom_.get(), &state, &reason, 0) == 0) {
      if (state != VIR_DOMAIN_SHUTOFF && state != VIR_DOMAIN_CRASHED) return std::nullopt;
    } else if (libvirt_error_code() != VIR_ERR_NO_DOMAIN || libvirt_error_is_connection() ||
               !options_.connection->alive()) {
      host_failure_ = options_.connection->message("lost while domain " + options_.domain.name + " ran");
      exit_status_ = 1;
      return exit_status_;
    }
    gone_at_ = now;
  }
  // The domain is gone; let the console drain (the last lines before a panic
  // matter), but not forever.
  if (pump_ && !pump_->console_eof() && now - *gone_at_ < std::chrono::seconds(2)) return std::nullopt;
  exit_status_ = 0;
  return exit_status_;
}

void LibvirtBackend::kill() {
  pump_.reset();
  if (dom_) {
    // Already gone (powered off, transient) is fine; a lost connection
    // leaves the domain to `famlab gc`.
    virDomainDestroy(dom_.get());
    dom_.reset();
    killed_ = true;
    if (!exit_status_) exit_status_ = 128 + 9;
  }
}

std::unique_ptr<QmpTransport> LibvirtBackend::qmp_transport(std::shared_ptr<QmpTranscript> transcript) {
  if (!dom_) throw Error("LibvirtBackend: QMP before the domain was started");
  return std::make_unique<QmpLibvirtTransport>(options_.connection, dom_.get(), std::move(transcript));
}

std::string LibvirtBackend::machine_identity() const {
  return "libvirt host " + options_.connection->hostname() + ": " + options_.connection->versions();
}

std::string LibvirtBackend::describe() const {
  return "libvirt domain " + options_.domain.name + " on " + options_.connection->uri();
}

}  // namespace famlab::vm
