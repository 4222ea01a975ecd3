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
#include "famfs/format/test_device.h"
#include "protocol/famfs_status.h"

namespace famlab::famfs::server {
namespace {

namespace fs = std::filesystem;

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
    format::mkfs(*dev, {});
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

  ProcessResult mount(std::vector<std::string> extra) {
    std::vector<std::string> argv{FAMFS_BINARY,     "mount", "--daemon", "--status",   status_path(),
                                  "--status-every", "1",     "--log",    dir_ + "/log"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(device_->path());
    argv.push_back(mnt());
    return run_process(argv);
  }

  // Waits for the status to reach `state` (the server writes it when idle).
  // The bound is generous: on a loaded machine the server can take seconds
  // to be scheduled, and a passing wait returns as soon as the state is there.
  bool wait_for_state(const std::string& state, int ms = 60000) {
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
