// The server for real: the famfs binary mounts a file-backed famfs on this
// machine's /dev/fuse and ordinary file operations go through it (the
// fallback path: READ and WRITE served from the server's own mapping).
// Needs root and /dev/fuse; skipped otherwise.
#include "famfs/server/server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/process.h"
#include "famfs/format/filesystem.h"
#include "famfs/format/host_id.h"
#include "famfs/format/test_device.h"
#include "protocol/famfs_status.h"

namespace famlab::famfs::server {
namespace {

namespace fs = std::filesystem;

// This test host is the master of the filesystems the tests make; its id
// lives in a file of the test's own (the famfs binary inherits the
// variable), never in this machine's /etc/famfs.
const std::string kMasterId = "11111111-1111-1111-1111-111111111111";
const std::string kOtherHostId = "22222222-2222-2222-2222-222222222222";
class HostIdFile : public ::testing::Environment {
 public:
  void SetUp() override {
    path_ = "/tmp/famfs-server-test-host-id-" + std::to_string(getpid());
    std::ofstream(path_) << kMasterId << "\n";
    setenv(format::kHostIdFileVariable, path_.c_str(), 1);
  }
  void TearDown() override { std::remove(path_.c_str()); }

 private:
  std::string path_;
};
[[maybe_unused]] auto* const host_id_env = ::testing::AddGlobalTestEnvironment(new HostIdFile);

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class MountedFamfs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "needs root and /dev/fuse";
    dir_ = "/tmp/famfs-server-test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++);
    fs::create_directories(dir_ + "/mnt");
    chmod(dir_.c_str(), 0755);
    device_ = std::make_unique<format::TempDeviceFile>(64ull << 20);
    auto dev = device_->open();
    format::mkfs(*dev, {format::kDefaultLogSize, false, *format::parse_host_id(kMasterId)});
    format::Filesystem f(*dev);
    f.mkdir("dir", {0755, 0, 0});
    f.create_file("dir/data", kSize, {}, {}, [](uint64_t pos, std::span<uint8_t> d) {
      for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>((pos + i) * 7 % 253);
    });
    f.create_file("striped", 6ull << 20, {3, 2ull << 20}, {},
                  [](uint64_t, std::span<uint8_t> d) { std::fill(d.begin(), d.end(), 0x33); });
  }
  void TearDown() override {
    if (dir_.empty()) return;
    umount2(mnt().c_str(), MNT_DETACH);
    // Let the server this test started see the unmount and write its last
    // status before the directory goes; stop it if a failure left it running.
    try {
      protocol::FamfsStatus s = status();
      bool running = s.state != "unmounted" && s.state != "died" && s.state != "failed";
      if (running && !wait_for_state("unmounted", 3000) && s.pid > 0)
        kill(static_cast<pid_t>(s.pid), SIGTERM);
    } catch (...) {
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string mnt() const { return dir_ + "/mnt"; }
  std::string status_path() const { return dir_ + "/status.json"; }
  protocol::FamfsStatus status() const { return protocol::decode_famfs_status(slurp(status_path())); }

  ProcessResult mount(std::vector<std::string> extra) { return mount_at(mnt(), status_path(), extra); }
  ProcessResult mount_at(const std::string& mountpoint, const std::string& status_file,
                         std::vector<std::string> extra) {
    std::vector<std::string> argv{FAMFS_BINARY,     "mount", "--daemon", "--status",   status_file,
                                  "--status-every", "1",     "--log",    dir_ + "/log"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(device_->path());
    argv.push_back(mountpoint);
    return run_process(argv);
  }

  // Waits for the status to reach `state` (the server writes it when idle).
  bool wait_for_state(const std::string& state, int ms = 5000) {
    for (int i = 0; i < ms / 50; ++i) {
      try {
        if (status().state == state) return true;
      } catch (...) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  static constexpr uint64_t kSize = 3 * 1024 * 1024 + 123;
  static inline int counter_ = 0;
  std::string dir_;
  std::unique_ptr<format::TempDeviceFile> device_;
};

TEST_F(MountedFamfs, FilesReadAndWriteThroughTheMount) {
  ProcessResult m = mount({"--decline-dax-fmap"});
  ASSERT_EQ(m.exit_code, 0) << m.output << slurp(dir_ + "/log");
  EXPECT_NE(m.output.find("famfs: serving"), std::string::npos);

  // ls -l
  EXPECT_TRUE(fs::is_directory(mnt() + "/dir"));
  EXPECT_EQ(fs::file_size(mnt() + "/dir/data"), kSize);
  EXPECT_EQ(fs::file_size(mnt() + "/striped"), 6u << 20);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(mnt())) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"dir", "striped"}));

  // cat: byte-exact
  std::string data = slurp(mnt() + "/dir/data");
  ASSERT_EQ(data.size(), kSize);
  bool exact = true;
  for (size_t i = 0; i < data.size(); ++i)
    exact &= static_cast<uint8_t>(data[i]) == static_cast<uint8_t>(i * 7 % 253);
  EXPECT_TRUE(exact);

  // dd conv=notrunc: a write in the middle, read back
  int fd = open((mnt() + "/striped").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  std::string hello = "written through FUSE";
  ASSERT_EQ(pwrite(fd, hello.data(), hello.size(), (2 << 20) - 5), static_cast<ssize_t>(hello.size()));
  // mmap sees it, and a store through the mapping reaches the file
  void* p = mmap(nullptr, 6 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_EQ(std::string(static_cast<char*>(p) + (2 << 20) - 5, hello.size()), hello);
  std::memcpy(static_cast<char*>(p) + 100, "MMAP", 4);
  msync(p, 6 << 20, MS_SYNC);
  munmap(p, 6 << 20);
  // growing the file is refused
  EXPECT_EQ(pwrite(fd, "x", 1, 6 << 20), -1);
  EXPECT_EQ(errno, EFBIG);
  close(fd);

  // cp out
  fs::copy_file(mnt() + "/dir/data", dir_ + "/copy");
  EXPECT_EQ(slurp(dir_ + "/copy"), data);
  // creating through the mount is refused: famfs files come from the log
  EXPECT_FALSE(std::ofstream(mnt() + "/new"));

  struct statfs st {};
  ASSERT_EQ(statfs(mnt().c_str(), &st), 0);
  EXPECT_EQ(st.f_bsize, 4096);

  ASSERT_TRUE(wait_for_state("initialized"));
  protocol::FamfsStatus s = status();
  EXPECT_TRUE(s.init_seen);
  EXPECT_FALSE(s.dax_fmap_accepted);
  EXPECT_EQ(s.mount_method, "mount");
  EXPECT_GT(s.opcodes["READ"], 0u);
  EXPECT_GT(s.opcodes["WRITE"], 0u);
  EXPECT_EQ(s.opcodes["GET_FMAP"], 0u);
  EXPECT_EQ(s.malformed_requests, 0u);

  ASSERT_EQ(umount2(mnt().c_str(), 0), 0);
  ASSERT_TRUE(wait_for_state("unmounted"));
  EXPECT_EQ(status().exit_reason, "unmounted");

  // The writes are on the device, where the tools see them.
  auto dev = device_->open(false);
  format::Filesystem after(*dev);
  const format::Node* n = after.tree().find("striped");
  auto at = format::locate(n->map, (2 << 20) - 5);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(dev->bytes().data()) + at->offset, 5), "writt");
  auto m4 = format::locate(n->map, 100);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(dev->bytes().data()) + m4->offset, 4), "MMAP");
}

// A second host's view of the same memory: the client mounts read-only,
// refuses every change, and sees what the master adds only on logplay.
TEST_F(MountedFamfs, AClientMountsReadOnlyAndPlaysTheLogOnRequest) {
  ProcessResult m = mount({"--dax-fmap", "decline", "--host-id", kOtherHostId});  // --role auto
  ASSERT_EQ(m.exit_code, 0) << m.output << slurp(dir_ + "/log");
  EXPECT_NE(m.output.find(" as client (pid "), std::string::npos) << m.output;
  ASSERT_TRUE(fs::exists(mnt() + "/dir/data"));
  ASSERT_TRUE(wait_for_state("initialized"));
  protocol::FamfsStatus s = status();
  EXPECT_EQ(s.role, "client");
  EXPECT_EQ(s.host_id, kOtherHostId);
  EXPECT_EQ(s.master_id, kMasterId);
  EXPECT_EQ(s.log_entries, 3u);
  EXPECT_EQ(s.logplays, 0u);
  EXPECT_EQ(s.log_tail, "clean");

  // Reads work; every change is refused with EROFS.
  std::string data = slurp(mnt() + "/dir/data");
  ASSERT_EQ(data.size(), kSize);
  EXPECT_EQ(static_cast<uint8_t>(data[1000]), static_cast<uint8_t>(1000 * 7 % 253));
  auto erofs = [](int rc) { return rc == -1 && errno == EROFS; };
  EXPECT_TRUE(erofs(open((mnt() + "/striped").c_str(), O_RDWR)));
  EXPECT_TRUE(erofs(open((mnt() + "/striped").c_str(), O_WRONLY | O_TRUNC)));
  EXPECT_TRUE(erofs(open((mnt() + "/new").c_str(), O_CREAT | O_WRONLY, 0644)));
  EXPECT_TRUE(erofs(truncate((mnt() + "/striped").c_str(), 0)));
  EXPECT_TRUE(erofs(mkdir((mnt() + "/newdir").c_str(), 0755)));
  EXPECT_TRUE(erofs(unlink((mnt() + "/striped").c_str())));
  EXPECT_TRUE(erofs(rename((mnt() + "/striped").c_str(), (mnt() + "/moved").c_str())));
  EXPECT_TRUE(erofs(chmod((mnt() + "/striped").c_str(), 0600)));
  int fd = open((mnt() + "/striped").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
  EXPECT_EQ(errno, EACCES);  // a writable shared mapping of a file opened read-only
  close(fd);

  // The master adds a file: the client does not see it until it asks.
  ProcessResult c = run_process({FAMFS_BINARY, "creat", "-s", "5M", device_->path(), "late"});
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_FALSE(fs::exists(mnt() + "/late"));
  ProcessResult play = run_process({FAMFS_BINARY, "logplay", mnt()});
  ASSERT_EQ(play.exit_code, 0) << play.output;
  EXPECT_NE(play.output.find(mnt() + ": logplay 1 (client): 1 new entry, 4 in all, log "), std::string::npos)
      << play.output;
  EXPECT_NE(play.output.find(" bytes, tail clean"), std::string::npos) << play.output;
  EXPECT_EQ(fs::file_size(mnt() + "/late"), 5u << 20);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(mnt())) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"dir", "late", "striped"}));
  ASSERT_TRUE(wait_for_state("initialized"));
  s = status();
  EXPECT_EQ(s.logplays, 1u);
  EXPECT_EQ(s.log_entries, 4u);
  EXPECT_EQ(s.opcodes["WRITE"], 0u);
}

// Killed half-way through an append, the master leaves a torn tail; the
// client's logplay replays up to the last whole entry and says what it found.
TEST_F(MountedFamfs, LogplayAfterTheMasterDiedMidAppend) {
  ASSERT_EQ(mount({"--dax-fmap", "decline", "--role", "client"}).exit_code, 0) << slurp(dir_ + "/log");
  ProcessResult c = run_process({FAMFS_BINARY, "creat", "-s", "1M", device_->path(), "whole"});
  ASSERT_EQ(c.exit_code, 0) << c.output;
  ProcessResult died =
      run_process({FAMFS_BINARY, "creat", "--die-mid-append", "-s", "1M", device_->path(), "torn"});
  ASSERT_EQ(died.exit_code, 3) << died.output;
  ProcessResult play = run_process({FAMFS_BINARY, "logplay", mnt()});
  ASSERT_EQ(play.exit_code, 0) << play.output;
  EXPECT_NE(play.output.find("1 new entry, 4 in all"), std::string::npos) << play.output;
  EXPECT_NE(play.output.find("tail torn\nwarning: torn tail at log offset "), std::string::npos)
      << play.output;
  EXPECT_TRUE(fs::exists(mnt() + "/whole"));
  EXPECT_FALSE(fs::exists(mnt() + "/torn"));
  ASSERT_TRUE(wait_for_state("initialized"));
  EXPECT_EQ(status().log_tail, "torn");
  ProcessResult check = run_process({FAMFS_BINARY, "fsck", device_->path()});
  EXPECT_EQ(check.exit_code, 4) << check.output;
  ProcessResult json = run_process({FAMFS_BINARY, "logplay", "--json", mnt()});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.output.find("\"log_tail\":\"torn\""), std::string::npos) << json.output;
}

TEST_F(MountedFamfs, OnlyTheRecordedHostMountsAsMaster) {
  ProcessResult m = mount({"--dax-fmap", "decline", "--role", "master", "--host-id", kOtherHostId});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.output.find("famfs: " + device_->path() + ": this host (host id " + kOtherHostId +
                          ") is not the master of this famfs (master " + kMasterId + ")"),
            std::string::npos)
      << m.output;
  protocol::FamfsStatus s = status();
  EXPECT_EQ(s.state, "failed");
  EXPECT_NE(s.last_error.find("is not the master"), std::string::npos);
  struct statfs st {};
  ASSERT_EQ(statfs(mnt().c_str(), &st), 0);
  EXPECT_NE(st.f_type, 0x65735546);  // FUSE_SUPER_MAGIC: nothing was mounted

  // The master itself: read-write, and logplay works there too.
  ProcessResult ok = mount({"--dax-fmap", "decline", "--role", "master"});
  ASSERT_EQ(ok.exit_code, 0) << ok.output << slurp(dir_ + "/log");
  EXPECT_NE(ok.output.find(" as master (pid "), std::string::npos) << ok.output;
  int fd = open((mnt() + "/striped").c_str(), O_RDWR);
  EXPECT_GE(fd, 0);
  close(fd);
  ProcessResult play = run_process({FAMFS_BINARY, "logplay", mnt()});
  EXPECT_EQ(play.exit_code, 0) << play.output;
  EXPECT_NE(play.output.find("logplay 1 (master): 0 new entries, 3 in all"), std::string::npos)
      << play.output;
  ASSERT_TRUE(wait_for_state("initialized"));
  EXPECT_EQ(status().role, "master");
}

TEST_F(MountedFamfs, DyingMidSessionIsRecorded) {
  ASSERT_EQ(mount({"--dax-fmap", "decline", "--die-on", "read"}).exit_code, 0);
  std::ifstream f(mnt() + "/dir/data");
  char c;
  EXPECT_FALSE(f.get(c));  // the READ was never answered: the connection died
  ASSERT_TRUE(wait_for_state("died"));
  protocol::FamfsStatus s = status();
  EXPECT_NE(s.exit_reason.find("--die-on: READ #1"), std::string::npos) << s.exit_reason;
  EXPECT_EQ(s.opcodes["READ"], 1u);
  struct stat st {};
  EXPECT_EQ(stat((mnt() + "/uncached-name").c_str(), &st), -1);  // a fresh LOOKUP meets the dead connection
  EXPECT_EQ(errno, ENOTCONN);
}

TEST_F(MountedFamfs, LateAnswersAreLate) {
  ASSERT_EQ(mount({"--dax-fmap", "decline", "--late", "lookup:400"}).exit_code, 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(fs::exists(mnt() + "/striped"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(400));
}

TEST_F(MountedFamfs, CapDropsAreRecordedAtMount) {
  ASSERT_EQ(mount({"--dax-fmap", "decline", "--cap-drop", "capset"}).exit_code, 0) << slurp(dir_ + "/log");
  ASSERT_TRUE(wait_for_state("initialized"));
  protocol::FamfsStatus s = status();
  EXPECT_EQ(s.cap_drop, "capset");
  EXPECT_TRUE(s.at_start.sys_rawio.effective);
  EXPECT_FALSE(s.at_mount.sys_rawio.effective);
  EXPECT_FALSE(s.at_mount.sys_rawio.permitted);
  EXPECT_TRUE(s.at_mount.sys_admin.effective);
  EXPECT_EQ(s.mount_method, "mount");
  EXPECT_EQ(fs::file_size(mnt() + "/dir/data"), kSize);
  umount2(mnt().c_str(), 0);
  ASSERT_TRUE(wait_for_state("unmounted"));

  ASSERT_EQ(mount({"--dax-fmap", "decline", "--cap-drop", "bounding"}).exit_code, 0);
  ASSERT_TRUE(wait_for_state("initialized"));
  s = status();
  EXPECT_FALSE(s.at_mount.sys_rawio.bounding);
  EXPECT_TRUE(s.at_mount.sys_rawio.effective);
}

TEST_F(MountedFamfs, PlainUserCannotOpenARootOnlyDevice) {
  chmod(device_->path().c_str(), 0600);
  ProcessResult m = mount({"--cap-drop", "user"});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.output.find(device_->path() + ": cannot open: Permission denied"), std::string::npos)
      << m.output;
}

TEST_F(MountedFamfs, UserWithAHandedInDeviceMountsThroughFusermount) {
  // fusermount3 opens /dev/fuse with the user's rights; this host's node is
  // 0600 (udev makes it 0666 elsewhere), so the test gives the server a
  // private mount namespace with a 0666 node bound over /dev/fuse.
  if (run_process({"sh", "-c", "command -v unshare && command -v fusermount3"}).exit_code != 0)
    GTEST_SKIP() << "needs unshare and fusermount3";
  fs::permissions(dir_, fs::perms::all);
  chown(mnt().c_str(), 1000, 1000);
  std::string script =
      "set -e; mknod " + dir_ + "/fuse c 10 229; chmod 666 " + dir_ + "/fuse; mount --bind " + dir_ +
      "/fuse /dev/fuse; " + FAMFS_BINARY + " mount --daemon --cap-drop user-fd --status " + status_path() +
      " " + device_->path() + " " + mnt() + "; setpriv --reuid 1000 --regid 1000 --clear-groups cat " +
      mnt() + "/dir/data > " + dir_ +
      "/through-user; setpriv --reuid 1000 --regid 1000 --clear-groups fusermount3 -u " + mnt();
  ProcessResult r = run_process({"unshare", "-m", "--propagation", "private", "sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(slurp(dir_ + "/through-user").size(), kSize);
  ASSERT_TRUE(wait_for_state("unmounted"));
  protocol::FamfsStatus s = status();
  EXPECT_EQ(s.mount_method, "fusermount3");
  EXPECT_EQ(s.at_mount.uid, 1000u);
  EXPECT_FALSE(s.at_mount.sys_rawio.effective);
  EXPECT_TRUE(s.init_seen);
}

}  // namespace
}  // namespace famlab::famfs::server
