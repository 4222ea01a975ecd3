#include "famfs/server/server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <memory>

#include "base/error.h"
#include "base/unique_fd.h"
#include "famfs/format/device.h"
#include "famfs/format/filesystem.h"
#include "famfs/format/host_id.h"
#include "famfs/format/role.h"
#include "famfs/server/capabilities.h"
#include "famfs/server/fuse_mount.h"
#include "famfs/server/handoff.h"
#include "famfs/server/kernel_famfs_report.h"
#include "famfs/server/privilege_drop.h"
#include "famfs/server/privileged_giver.h"
#include "famfs/server/request_handler.h"
#include "famfs/server/session.h"
#include "famfs/server/status_recorder.h"
#include "famfs/server/uring_writer.h"

namespace famlab::famfs::server {
namespace {

volatile int g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

// Without SA_RESTART, so poll() and read() return EINTR and the loop sees
// the flag at once.
void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void apply_cap_drop(const ServerOptions& o) {
  switch (o.cap_drop) {
    case CapDrop::None:
      break;
    case CapDrop::Bounding:
      drop_rawio_from_bounding_set();
      break;
    case CapDrop::Capset:
      drop_rawio_with_capset();
      break;
    case CapDrop::User:
    case CapDrop::UserFd:
      become_user(o.user_uid, o.user_gid);
      break;
    case CapDrop::UringPersonality:  // after the mount (run_server)
    case CapDrop::Supervisor:        // after the mount (supervise_unprivileged_server)
    case CapDrop::CapsetAfterInit:   // after INIT (hand_over_after_init)
    case CapDrop::HandoffAfterInit:
    case CapDrop::CloneAfterInit:
      break;
  }
}

// --daemon: the parent returns once the child has answered INIT (or says
// why it could not); the child serves on in its own session.
class Daemonizer {
 public:
  // Returns in the child; in the parent, exits the process.
  void fork_and_wait(std::ostream& out, std::ostream& err, const ServerOptions& o, const char* role) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) throw Error(std::string("--daemon: pipe failed: ") + std::strerror(errno));
    pid_t pid = fork();
    if (pid < 0) throw Error(std::string("--daemon: fork failed: ") + std::strerror(errno));
    UniqueFd read_end(p[0]), write_end(p[1]);
    if (pid == 0) {
      ready_fd_ = std::move(write_end);
      setsid();
      UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
      dup2(null.get(), 0);
      dup2(null.get(), 1);
      if (o.log_path.empty()) dup2(null.get(), 2);  // nobody reads the parent's stderr any more
      return;
    }
    write_end.reset();
    char byte = 0;
    ssize_t n;
    do {
      n = read(read_end.get(), &byte, 1);  // the child writes once INIT is answered
    } while (n < 0 && errno == EINTR);
    if (n == 1) {
      out << "famfs: serving " << o.device << " at " << o.mountpoint << " as " << role << " (pid " << pid
          << ")" << std::endl;
      std::_Exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    err << "famfs: the server stopped before INIT was answered (exit "
        << (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) << ")" << std::endl;
    std::_Exit(1);
  }
  void ready() {
    if (!ready_fd_) return;
    char byte = 'I';
    (void)!write(ready_fd_.get(), &byte, 1);
    ready_fd_.reset();
  }

 private:
  UniqueFd ready_fd_;
};

void fill_static_status(protocol::FamfsStatus& s, const ServerOptions& o) {
  const fuse::FamfsAbi& abi = fuse::famfs_abi(o.abi);
  s.device = o.device;
  s.mountpoint = o.mountpoint;
  s.abi = abi.name;
  for (uint32_t bit = 0; bit < 64; ++bit)
    if (abi.dax_fmap_flag == 1ULL << bit) s.dax_fmap_bit = bit;
  s.cap_drop = to_string(o.cap_drop);
  s.dax_fmap_policy = to_string(o.dax_fmap);
  s.fmap_fault = to_string(o.fmap_fault);
  s.at_start = read_credentials();
}

// --fuzz-fmap or --replay-fmap; nullptr when neither. The fuzz maps are
// made for the device as the kernel sizes it (the dax device's size).
std::unique_ptr<SyntheticFiles> synthetic_files(const ServerOptions& o, const format::Device& dev) {
  if (o.fuzz_seed)
    return std::make_unique<FuzzFiles>(FuzzSetup{*o.fuzz_seed, &fuse::famfs_abi(o.abi), dev.size()},
                                       o.fuzz_count);
  if (o.replay_fmaps.empty()) return nullptr;
  std::vector<ReplayFiles::Entry> entries;
  for (const auto& path : o.replay_fmaps) entries.push_back({replay_name(path), read_saved_fmap(path)});
  return std::make_unique<ReplayFiles>(std::move(entries));
}

}  // namespace

int run_server(const ServerOptions& o, std::ostream& out, std::ostream& err) {
  std::ofstream log_file;
  if (!o.log_path.empty()) {
    log_file.open(o.log_path, std::ios::app);
    if (!log_file) throw Error("--log: cannot open " + o.log_path);
  }
  std::ostream& log = o.log_path.empty() ? err : log_file;

  StatusRecorder recorder(o.status_path, o.status_every);
  protocol::FamfsStatus& s = recorder.status();
  fill_static_status(s, o);
  install_stop_handlers();
  g_stop = 0;

  std::unique_ptr<format::Device> dev;
  std::vector<std::unique_ptr<format::Device>> extra;  // --daxdev, opened with DEVICE
  std::unique_ptr<format::Filesystem> fs;
  std::unique_ptr<SyntheticFiles> synthetic;
  format::Role role = format::Role::Client;
  FuseMount mount;
  try {
    // Who this host is, before privilege goes (the id file may have to be
    // made).
    format::HostId host = format::resolve_host_id(o.host_id);
    s.host_id = format::uuid_text(host);
    // Devices are opened read-write even for a client: the descriptor the
    // server gives the kernel for fs-dax must be (patch 0010), and the
    // client's own mapping becomes read-only below. A client asked for as
    // such that may not write the device opens it read-only (files then do
    // not open through fs-dax).
    auto open_device = [&o](const std::string& path) {
      try {
        return format::Device::open(path, true);
      } catch (const Error&) {
        if (o.role != format::RoleRequest::Client) throw;
        return format::Device::open(path, false);
      }
    };
    // The device is opened before privilege goes, except for a plain user:
    // that one must manage with the user's own rights.
    if (o.device_fd)  // as it was opened
      dev = format::Device::from_fd(*o.device_fd, o.device,
                                    (fcntl(*o.device_fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    else if (o.cap_drop != CapDrop::User)
      dev = open_device(o.device);
    auto open_extra = [&] {
      for (const auto& [index, path] : o.extra_daxdevs) extra.push_back(open_device(path));
    };
    if (o.cap_drop != CapDrop::User) open_extra();
    apply_cap_drop(o);
    if (!dev) dev = open_device(o.device);
    if (extra.size() != o.extra_daxdevs.size()) open_extra();
    fs = std::make_unique<format::Filesystem>(*dev);
    synthetic = synthetic_files(o, *dev);  // a bad --replay-fmap file stops us before the mount
    const format::Superblock& sb = fs->superblock();
    if (!format::is_zero(sb.master_id)) s.master_id = format::uuid_text(sb.master_id);
    role = format::decide_role(sb, host, o.role, o.device);
    s.role = format::to_string(role);
    if (role == format::Role::Client) {
      // A store from this process into the shared memory would be a bug.
      dev->make_read_only();
      for (auto& d : extra) d->make_read_only();
    }
    s.at_mount = read_credentials();
    // Mounting for the user the server becomes after the mount (as
    // fusermount3 does): that user reads the fusectl report.
    std::optional<std::pair<uint32_t, uint32_t>> for_user;
    if (o.cap_drop == CapDrop::Supervisor || o.cap_drop == CapDrop::UringPersonality)
      for_user = std::pair{o.user_uid, o.user_gid};
    mount = mount_fuse(o.device, o.mountpoint, o.mount_method, o.allow_other, role == format::Role::Client,
                       for_user);
  } catch (const Error& e) {
    s.state = "failed";
    s.last_error = e.what();
    s.exit_reason = "could not mount";
    recorder.write_now();
    throw;
  }
  s.mount_method = mount.method == MountMethod::Syscall ? "mount" : "fusermount3";
  s.state = "mounted";
  recorder.write_now();

  Daemonizer daemon;
  if (o.daemon) {
    try {
      daemon.fork_and_wait(out, err, o, format::to_string(role));
    } catch (const Error&) {
      unmount_fuse(o.mountpoint, mount.method);
      throw;
    }
    s.pid = getpid();
  }
  if (o.cap_drop == CapDrop::Supervisor) {
    supervise_unprivileged_server(o.user_uid, o.user_gid);  // returns in the unprivileged child
    s.pid = getpid();
  }
  std::unique_ptr<UringWriter> uring;
  std::unique_ptr<PrivilegedDaxdevGiver> privileged_giver;
  if (o.cap_drop == CapDrop::UringPersonality) {
    uring = std::make_unique<UringWriter>();  // the personality: our privileged credentials
    // The device ioctl has no io_uring path: a privileged thread gives devices.
    privileged_giver = std::make_unique<PrivilegedDaxdevGiver>();
    become_user_in_this_thread(o.user_uid, o.user_gid);
  }

  RequestHandler handler(*fs, o, recorder, role);
  handler.set_synthetic_files(synthetic.get());
  std::map<uint32_t, std::span<uint8_t>> extra_bytes;
  std::map<uint32_t, int> device_fds = {{0, dev->fd()}};
  size_t next = 0;
  for (const auto& [index, path] : o.extra_daxdevs) {
    device_fds[index] = extra[next]->fd();
    extra_bytes[index] = extra[next++]->bytes();
  }
  handler.set_extra_devices(std::move(extra_bytes));
  handler.set_daxdev_giver([&mount, device_fds, giver = privileged_giver.get()](uint32_t index) {
    auto it = device_fds.find(index);
    if (it == device_fds.end()) return ENODEV;
    return giver ? giver->give(mount.fd.get(), index, it->second)
                 : give_daxdev(mount.fd.get(), index, it->second);
  });
  Session session(mount.fd.get(), handler, recorder, o, log);
  if (uring)
    session.use_writer([&uring](int fd, std::span<const uint8_t> reply) { return uring->write(fd, reply); });
  char canonical[PATH_MAX];
  std::string mountpoint = realpath(o.mountpoint.c_str(), canonical) ? canonical : o.mountpoint;
  auto initialized = [&] {
    s.kernel_famfs = protocol::parse_kernel_famfs_line(read_kernel_famfs_line(mountpoint));
    recorder.write_now();
    daemon.ready();
    if (hands_over_after_init(o.cap_drop)) {
      int fd = hand_over_after_init(o.cap_drop, o.user_uid, o.user_gid, mount.fd.get());
      if (fd != mount.fd.get()) {
        mount.fd.reset(fd);
        session.use_fd(fd);
      }
      s.pid = getpid();
      recorder.write_now();
    }
  };
  std::string why = session.run(initialized, g_stop);
  if (g_stop) unmount_fuse(o.mountpoint, mount.method);
  mount.fd.reset();
  s.state = "unmounted";
  s.exit_reason = why;
  recorder.write_now();
  log << "famfs: " << o.mountpoint << ": " << why << std::endl;
  return why == "unmounted" || why == "DESTROY received" || why == "stopped by a signal" ? 0 : 1;
}

}  // namespace famlab::famfs::server
