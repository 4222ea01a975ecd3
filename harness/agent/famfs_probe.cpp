#include "harness/agent/famfs_probe.h"

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

#include "harness/agent/famfs_file_check.h"
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

std::vector<std::string> famfs_create_command(const std::string& device, const protocol::FamfsFile& file,
                                              const std::string& source) {
  if (file.prefilled) return {"famfs", "cp", device, source, "/" + file.name};
  std::vector<std::string> argv = {"famfs", "creat", "--size", std::to_string(file.size)};
  if (file.strips) {
    argv.insert(argv.end(), {"--strips", std::to_string(file.strips)});
    if (file.chunk) argv.insert(argv.end(), {"--chunk", std::to_string(file.chunk)});
  }
  argv.insert(argv.end(), {device, "/" + file.name});
  return argv;
}

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

  // The probe: one file, written before the mount by the tools, so a
  // server that never sees a WRITE can still be asked for its bytes.
  std::vector<protocol::FamfsFile> files = job.files;
  if (files.empty()) files.push_back({"probe", job.probe_bytes, 0, 0, true});
  auto seed_of = [&](size_t i) {
    return job.files.empty() ? job.seed : protocol::famfs_file_seed(job.seed, i);
  };

  auto step = [&](const std::vector<std::string>& argv) {
    ToolResult t = run(argv, job.timeout_s);
    if (!t.ok())
      r.error = command_line(argv) + " failed (exit " + std::to_string(t.exit_code) + "): " + t.output;
    return t;
  };
  auto setup_failed = [&] {
    r.result.setup_error = r.error;
    return r;
  };
  if (!job.client && !step({"famfs", "mkfs", "--force", job.device}).ok()) return setup_failed();
  std::vector<protocol::FamfsFileResult>& results = r.result.files;
  for (size_t i = 0; i < files.size(); ++i) {
    auto& f = files[i];
    if (job.client) {
      f.prefilled = true;  // the master wrote it: read-only checks against its pattern
    } else {
      if (f.prefilled) write_file(source, famfs_probe_bytes(f.size, seed_of(i)));
      if (!step(famfs_create_command(job.device, f, source)).ok()) return setup_failed();
    }
    // The map as famfs recorded it, for the host's placement oracle. Taken
    // before the mount, while nothing else has the device open.
    ToolResult map = step({"famfs", "getmap", "--json", job.device, "/" + f.name});
    if (!map.ok()) return setup_failed();
    protocol::FamfsFileResult entry;
    entry.name = f.name;
    entry.size = f.size;
    entry.seed = seed_of(i);
    try {
      entry.map = nlohmann::json::parse(map.output.substr(map.output.find('{')));
    } catch (const std::exception& e) {
      r.error = "famfs getmap --json /" + f.name + " printed no JSON (" + e.what() + "): " + map.output;
      return setup_failed();
    }
    results.push_back(entry);
  }

  std::vector<std::string> mount = {"famfs", "mount", "--daemon", "--allow-other", "--status", status_file};
  if (job.client) mount.insert(mount.end(), {"--role", "client"});
  mount.insert(mount.end(), job.mount_args.begin(), job.mount_args.end());
  mount.push_back(job.device);
  mount.push_back(mnt);
  ToolResult m = run(mount, job.timeout_s);
  r.result.mount_command = command_line(mount);
  r.result.mount_output = m.output;
  if (!m.ok()) {
    r.error = command_line(mount) + " failed (exit " + std::to_string(m.exit_code) + "): " + m.output;
    r.result.setup_error = r.error;
  } else {
    bool data_ok = true;
    for (size_t i = 0; i < files.size(); ++i) {
      protocol::FamfsFileResult checked =
          check_famfs_file(mnt + "/" + files[i].name, files[i], seed_of(i), idle);
      checked.map = std::move(results[i].map);
      results[i] = std::move(checked);
      if (!results[i].ok) {
        data_ok = false;
        std::string why;
        for (const auto& p : results[i].problems) why += (why.empty() ? "" : "; ") + p;
        r.error += (r.error.empty() ? "" : "\n") + std::string("/") + files[i].name + ": " + why;
      }
    }
    r.result.data_ok = data_ok;
    if (::umount2(mnt.c_str(), 0) != 0) ::umount2(mnt.c_str(), MNT_DETACH);
  }

  // The server rewrites its status at exit; give it a moment to get there.
  // A mount that failed has no server left to wait for: one look.
  protocol::FamfsStatus st;
  bool have_status = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(m.ok() ? 10 : 0);
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
    auto en = st.kernel_famfs.find("enabled");
    r.result.famfs_enabled = en != st.kernel_famfs.end() && en->second == "1";
    r.result.kernel_report = !st.kernel_famfs.empty();
    r.result.status = std::move(st);
  } else {
    std::string missing = "the famfs server left no status file at " + status_file;
    r.error += (r.error.empty() ? "" : "; ") + missing;
    if (r.result.setup_error.empty()) r.result.setup_error = missing;
  }
  r.ok = r.error.empty();
  return r;
}

}  // namespace famlab::agent
