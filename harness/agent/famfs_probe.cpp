#include "famfs_probe.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "protocol/famfs_status.h"
#include "protocol/pattern.h"

namespace fs = std::filesystem;

namespace famlab::agent {
namespace {

std::string read_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": " + std::strerror(errno);
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) *error = path + ": read failed: " + std::strerror(errno);
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Unprivileged server modes need /dev/fuse and the dax device (udev would
// normally open them up) and writable mount point and status directory.
void open_up_for_unprivileged(const std::string& device, const std::string& mountpoint,
                              const std::string& status_dir) {
  ::chmod("/dev/fuse", 0666);
  ::chmod(device.c_str(), 0666);
  fs::create_directories(mountpoint);
  fs::create_directories(status_dir);
  ::chmod(mountpoint.c_str(), 0777);
  ::chmod(status_dir.c_str(), 0777);
  // The patched kernels report their famfs decision under fusectl.
  if (::mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, nullptr) != 0 && errno != EBUSY) {
    // No fusectl (no FUSE at all?): the server's status says the rest.
  }
}

bool finished_state(const std::string& state) {
  return state == "unmounted" || state == "died" || state == "failed";
}

}  // namespace

std::string famfs_probe_bytes(uint64_t size, uint64_t seed) {
  std::string bytes(size, '\0');
  for (uint64_t off = 0; off + 8 <= size; off += 8) {
    uint64_t w = protocol::pattern_word(seed, off);
    std::memcpy(bytes.data() + off, &w, 8);
  }
  return bytes;
}

FamfsProbeResult run_famfs_probe(const FamfsProbeJob& job, const ToolRunner& run,
                                 const std::function<void()>& idle) {
  FamfsProbeResult r;
  const std::string mnt = "/mnt/famfs-" + job.tag;
  const std::string status_dir = "/run/famfs";
  const std::string status_file = status_dir + "/" + job.tag + ".json";
  const std::string source = "/tmp/famfs-probe-" + job.tag;
  open_up_for_unprivileged(job.device, mnt, status_dir);

  const std::string expected = famfs_probe_bytes(job.probe_bytes, job.seed);
  write_file(source, expected);
  auto step = [&](const std::vector<std::string>& argv) {
    ToolResult t = run(argv, job.timeout_s);
    if (!t.ok()) r.error = command_line(argv) + " failed (exit " + std::to_string(t.exit_code) + "): " + t.output;
    return t;
  };
  if (!step({"famfs", "mkfs", "--force", job.device}).ok()) return r;
  if (!step({"famfs", "cp", job.device, source, "/probe"}).ok()) return r;

  std::vector<std::string> mount = {"famfs", "mount", "--daemon", "--allow-other", "--status", status_file};
  mount.insert(mount.end(), job.mount_args.begin(), job.mount_args.end());
  mount.push_back(job.device);
  mount.push_back(mnt);
  ToolResult m = run(mount, job.timeout_s);
  r.result["mount_command"] = command_line(mount);
  r.result["mount_output"] = m.output;
  if (!m.ok()) {
    r.error = command_line(mount) + " failed (exit " + std::to_string(m.exit_code) + "): " + m.output;
  } else {
    std::string read_error;
    std::string got = read_file(mnt + "/probe", &read_error);
    bool data_ok = read_error.empty() && got == expected;
    r.result["data_ok"] = data_ok;
    if (!data_ok)
      r.error = read_error.empty() ? "the probe file read back through the mount differs from what was written (" +
                                         std::to_string(got.size()) + " of " + std::to_string(expected.size()) +
                                         " bytes read)"
                                   : "reading the probe through the mount: " + read_error;
    if (::umount2(mnt.c_str(), 0) != 0) ::umount2(mnt.c_str(), MNT_DETACH);
  }

  // The server rewrites its status at exit; give it a moment to get there.
  protocol::FamfsStatus st;
  bool have_status = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::string err;
    std::string text = read_file(status_file, &err);
    if (err.empty()) {
      try {
        st = protocol::decode_famfs_status(text);
        have_status = true;
      } catch (const std::exception& e) {
        r.error += (r.error.empty() ? "" : "; ") + std::string("bad status file: ") + e.what();
      }
    }
    if ((have_status && finished_state(st.state)) || std::chrono::steady_clock::now() >= deadline) break;
    if (idle) idle();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (have_status) {
    r.result["status"] = protocol::famfs_status_to_json(st);
    auto en = st.kernel_famfs.find("enabled");
    r.result["famfs_enabled"] = en != st.kernel_famfs.end() && en->second == "1";
    r.result["kernel_report"] = !st.kernel_famfs.empty();
  } else if (r.error.empty()) {
    r.error = "the famfs server left no status file at " + status_file;
  }
  r.ok = r.error.empty();
  return r;
}

}  // namespace famlab::agent
