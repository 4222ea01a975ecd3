#include "famfs/cli/famfs_cli.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/process.h"
#include "base/small_file.h"
#include "famfs/format/filesystem.h"
#include "famfs/format/host_id.h"
#include "famfs/format/test_device.h"
#include "famfs/format/test_log_writer.h"

namespace famlab::famfs::cli {
namespace {

// Every famfs these tests run, here and as the binary, keeps its host id in
// a file of its own, never in this machine's /etc/famfs.
class HostIdFile : public ::testing::Environment {
 public:
  void SetUp() override {
    path_ = "/tmp/famfs-cli-test-host-id-" + std::to_string(getpid());
    setenv(format::kHostIdFileVariable, path_.c_str(), 1);
  }
  void TearDown() override { std::remove(path_.c_str()); }

 private:
  std::string path_;
};
[[maybe_unused]] auto* const host_id_env = ::testing::AddGlobalTestEnvironment(new HostIdFile);

const std::string kMasterId = "11111111-1111-1111-1111-111111111111";
const std::string kClientId = "22222222-2222-2222-2222-222222222222";

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun famfs(std::vector<std::string> args) {
  args.insert(args.begin(), "famfs");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int status = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

// The superblock and log as bytes, to show a failed command changed nothing.
std::string metadata(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string b(10u << 20, '\0');
  f.read(b.data(), static_cast<std::streamsize>(b.size()));
  return b;
}

struct Device {
  format::TempDeviceFile file{64ull << 20};
  std::string path = file.path();
  Device() { EXPECT_EQ(famfs({"mkfs", path}).status, 0); }
};

void expect_failure(const CliRun& r, const std::string& text) {
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find(text), std::string::npos) << "stderr: " << r.err;
}

TEST(FamfsCli, MkfsReportsGeometry) {
  format::TempDeviceFile f(64ull << 20);
  CliRun r = famfs({"mkfs", "--log-size", "4M", f.path()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(", log 4M, data 58M"), std::string::npos) << r.out;
}

TEST(FamfsCli, MkfsErrors) {
  format::TempDeviceFile small(8ull << 20);
  expect_failure(famfs({"mkfs", small.path()}), small.path() + ": device is 8M; famfs needs at least 12M");
  Device d;
  std::string before = metadata(d.path);
  expect_failure(famfs({"mkfs", d.path}), "already holds a famfs; use --force");
  expect_failure(famfs({"mkfs", "--log-size", "3M", "--force", d.path}),
                 "log size 3M must be a multiple of 2M");
  expect_failure(famfs({"mkfs", "--log-size", "lots", d.path}), "--log-size: 'lots' is not a size");
  EXPECT_EQ(metadata(d.path), before);
  expect_failure(famfs({"mkfs", "/nonexistent/dev"}),
                 "/nonexistent/dev: cannot open: No such file or directory");
  EXPECT_EQ(famfs({"mkfs", "--force", d.path}).status, 0);
}

TEST(FamfsCli, CreatMkdirLsGetmap) {
  Device d;
  EXPECT_EQ(famfs({"mkdir", d.path, "data"}).status, 0);
  CliRun c = famfs({"creat", "--size", "3M", "--mode", "0600", "--uid", "1000", d.path, "data/simple"});
  EXPECT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.out.find("data/simple: 3145728 bytes, simple, 1 extent"), std::string::npos) << c.out;
  CliRun s = famfs({"creat", "-s", "10M", "--strips", "3", "--chunk", "2M", d.path, "data/striped"});
  EXPECT_EQ(s.status, 0) << s.err;
  EXPECT_NE(s.out.find("interleaved, 3 strips, chunk 2M"), std::string::npos) << s.out;

  CliRun ls = famfs({"ls", d.path});
  EXPECT_EQ(ls.out, "drwxr-xr-x     0     0            0 data/\n");
  CliRun lr = famfs({"ls", "-R", d.path});
  EXPECT_NE(lr.out.find("-rw-------  1000     0      3145728 data/simple\n"), std::string::npos) << lr.out;
  EXPECT_NE(lr.out.find("data/striped\n"), std::string::npos) << lr.out;
  EXPECT_EQ(famfs({"ls", d.path, "data"}).out, famfs({"ls", d.path, "/data"}).out);

  CliRun m = famfs({"getmap", "--json", d.path, "data/striped"});
  ASSERT_EQ(m.status, 0) << m.err;
  auto j = nlohmann::json::parse(m.out);
  EXPECT_EQ(j["kind"], "interleaved");
  EXPECT_EQ(j["size"], 10u << 20);
  EXPECT_EQ(j["chunk_size"], 2u << 20);
  EXPECT_EQ(j["extents"].size(), 3u);
  EXPECT_EQ(j["extents"][0]["length"], 4u << 20);  // 2 rows of 2 MiB chunks
  expect_failure(famfs({"getmap", d.path, "data"}), "is a directory");
  expect_failure(famfs({"getmap", d.path, "nope"}), d.path + ": nope: no such file or directory");
}

TEST(FamfsCli, CpCopiesByteExact) {
  Device d;
  format::TempDeviceFile src(0);
  std::string content;
  for (int i = 0; i < 300000; ++i) content += static_cast<char>('a' + i % 26);
  std::ofstream(src.path(), std::ios::binary) << content;
  CliRun r = famfs({"cp", "--strips", "2", d.path, src.path(), "copy"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto dev = format::Device::open(d.path, false);
  format::Filesystem fs(*dev);
  const format::Node* n = fs.tree().find("copy");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->size, content.size());
  auto piece = format::locate(n->map, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(dev->bytes().data()) + piece->offset, 1000),
            content.substr(0, 1000));
}

TEST(FamfsCli, BadInputIsAClearErrorAndChangesNothing) {
  Device d;
  famfs({"mkdir", d.path, "dir"});
  famfs({"creat", "-s", "1M", d.path, "dir/f"});
  std::string before = metadata(d.path);

  expect_failure(famfs({"creat", "-s", "1M", d.path, "dir/f"}), d.path + ": dir/f: 'dir/f' already exists");
  expect_failure(famfs({"mkdir", d.path, "dir"}), "'dir' already exists");
  expect_failure(famfs({"creat", "-s", "1G", d.path, "huge"}), "no room for 1G");
  expect_failure(famfs({"creat", "-s", "0", d.path, "empty"}), "file size must be more than 0 bytes");
  expect_failure(famfs({"creat", "-s", "1M", "--strips", "17", d.path, "s"}), "strip count 17 outside 1..16");
  expect_failure(famfs({"creat", "-s", "1M", "--strips", "2", "--chunk", "3M", d.path, "s"}),
                 "not a power of two");
  expect_failure(famfs({"creat", "-s", "1M", "--strips", "2", "--chunk", "0", d.path, "s"}),
                 "not a power of two");
  expect_failure(famfs({"creat", "-s", "12Q", d.path, "s"}), "--size: '12Q' is not a size");
  expect_failure(famfs({"creat", "-s", "1M", "--mode", "999", d.path, "s"}),
                 "--mode: '999' is not an octal mode");
  expect_failure(famfs({"creat", "-s", "1M", d.path, "missing/f"}), "'missing' does not exist");
  expect_failure(famfs({"creat", "-s", "1M", d.path, "dir/f/x"}), "'dir/f' is not a directory");
  expect_failure(famfs({"cp", d.path, "/nonexistent", "x"}), "/nonexistent: cannot open");
  expect_failure(famfs({"cp", d.path, "/tmp", "x"}), "/tmp: not a regular file");
  EXPECT_EQ(metadata(d.path), before);
  EXPECT_EQ(famfs({"fsck", d.path}).status, 0);
}

TEST(FamfsCli, MkdirParents) {
  Device d;
  expect_failure(famfs({"mkdir", d.path, "a/b/c"}), "'a' does not exist");
  EXPECT_EQ(famfs({"mkdir", "-p", d.path, "a/b/c"}).status, 0);
  EXPECT_EQ(famfs({"mkdir", "-p", d.path, "a/b"}).status, 0);  // existing is fine with -p
  EXPECT_NE(famfs({"ls", "-R", d.path}).out.find("a/b/c/"), std::string::npos);
}

TEST(FamfsCli, LogFull) {
  format::TempDeviceFile f(64ull << 20);
  famfs({"mkfs", "--log-size", "2M", f.path()});
  {
    // Fill the log behind the tool's back with long-named directories
    // until no such entry fits any more.
    auto dev = format::Device::open(f.path(), true);
    format::Superblock sb = format::Filesystem(*dev).superblock();
    format::LogEntry e;
    e.type = format::EntryType::Mkdir;
    uint64_t pos = 0;
    for (uint64_t seq = 1;; ++seq) {
      e.seq = seq;
      e.path = std::string(200, 'd') + std::to_string(seq);
      if (pos + format::encode_log_entry(e).size() > sb.log_size) break;
      pos = format::write_raw_entry(*dev, sb, pos, e);
    }
  }
  std::string before = metadata(f.path());
  expect_failure(famfs({"mkdir", f.path(), std::string(220, 'x')}), "metadata log is full");
  expect_failure(famfs({"creat", "-s", "1M", f.path(), std::string(220, 'y')}), "metadata log is full");
  EXPECT_EQ(metadata(f.path()), before);
  CliRun check = famfs({"fsck", f.path()});
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_EQ(check.out.find("warning"), std::string::npos) << check.out;
}

TEST(FamfsCli, FsckFindsACorruptSuperblock) {
  Device d;
  {
    std::fstream f(d.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('X');
  }
  CliRun r = famfs({"fsck", d.path});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("superblock: checksum mismatch"), std::string::npos) << r.out;
  expect_failure(famfs({"ls", d.path}), d.path + ": superblock: checksum mismatch");
  expect_failure(famfs({"creat", "-s", "1M", d.path, "f"}), "superblock: checksum mismatch");
  CliRun j = famfs({"fsck", "--json", d.path});
  EXPECT_EQ(nlohmann::json::parse(j.out)["clean"], false);
}

TEST(FamfsCli, OnlyTheMasterChangesIt) {
  format::TempDeviceFile f(64ull << 20);
  CliRun mk = famfs({"mkfs", "--host-id", kMasterId, f.path()});
  ASSERT_EQ(mk.status, 0) << mk.err;
  EXPECT_NE(mk.out.find(", master " + kMasterId + " (this host)"), std::string::npos) << mk.out;
  EXPECT_EQ(famfs({"mkdir", "--host-id", kMasterId, f.path(), "d"}).status, 0);
  std::string before = metadata(f.path());
  std::string refusal = f.path() + ": this host (host id " + kClientId +
                        ") is not the master of this famfs (master " + kMasterId +
                        "): only the master changes it; here, mount it with --role client";
  expect_failure(famfs({"creat", "--host-id", kClientId, "-s", "1M", f.path(), "x"}), refusal);
  expect_failure(famfs({"mkdir", "--host-id", kClientId, f.path(), "x"}), refusal);
  expect_failure(famfs({"cp", "--host-id", kClientId, f.path(), "/etc/hostname", "x"}), refusal);
  expect_failure(famfs({"creat", "-s", "1M", f.path(), "x"}), "is not the master");  // the id file's host
  EXPECT_EQ(metadata(f.path()), before);
  // Reading is for everybody.
  EXPECT_NE(famfs({"ls", f.path()}).out.find("d/"), std::string::npos);
  CliRun check = famfs({"fsck", f.path()});
  EXPECT_EQ(check.status, 0);
  EXPECT_NE(check.out.find(", format 2, master " + kMasterId), std::string::npos) << check.out;
  EXPECT_EQ(famfs({"creat", "--host-id", kMasterId, "-s", "1M", f.path(), "x"}).status, 0);
  expect_failure(famfs({"creat", "--host-id", "nope", "-s", "1M", f.path(), "y"}),
                 "--host-id: 'nope' is not a host id");

  // mkfs from another host takes the filesystem over (and says so).
  CliRun again = famfs({"mkfs", "--force", "--host-id", kClientId, f.path()});
  EXPECT_NE(again.out.find("replaced a famfs whose master was host " + kMasterId), std::string::npos)
      << again.out;
  expect_failure(famfs({"mkdir", "--host-id", kMasterId, f.path(), "d"}), "is not the master");
}

TEST(FamfsCli, TheHostIdFileIsMadeOnFirstUse) {
  CliRun id = famfs({"hostid"});
  ASSERT_EQ(id.status, 0) << id.err;
  ASSERT_TRUE(format::parse_host_id(id.out)) << id.out;
  EXPECT_EQ(famfs({"hostid"}).out, id.out);
  EXPECT_EQ(format::parse_host_id(read_small_file(format::host_id_file())), format::parse_host_id(id.out));
  // mkfs and the changing commands use it when no --host-id is given.
  Device d;
  EXPECT_EQ(famfs({"mkdir", d.path, "mine"}).status, 0);
  EXPECT_NE(famfs({"fsck", d.path}).out.find("master " + id.out.substr(0, 36)), std::string::npos);
}

// What a scenario provokes on purpose: the master dies half-way through an
// append. Both kinds of host then replay up to the last whole entry, fsck
// says so (exit 4), and the master's next append replaces the torn one.
TEST(FamfsCli, KilledMidAppend) {
  Device d;
  ASSERT_EQ(famfs({"mkdir", d.path, "before"}).status, 0);
  ProcessResult died = run_process({FAMFS_BINARY, "creat", "--die-mid-append", "-s", "3M", d.path, "lost"});
  EXPECT_EQ(died.exit_code, 3) << died.output;
  ProcessResult died2 = run_process({FAMFS_BINARY, "mkdir", "--die-mid-append", d.path, "lost-dir"});
  EXPECT_EQ(died2.exit_code, 3) << died2.output;

  ProcessResult check = run_process({FAMFS_BINARY, "fsck", d.path});
  EXPECT_EQ(check.exit_code, 4) << check.output;
  EXPECT_NE(check.output.find("warning: torn tail at log offset "), std::string::npos) << check.output;
  EXPECT_NE(check.output.find(": uncommitted entry, an append was cut short or is in progress"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("replay stops after entry 1"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find(": torn tail, 0 files, 1 directories"), std::string::npos) << check.output;
  CliRun j = famfs({"fsck", "--json", d.path});
  EXPECT_EQ(j.status, 4);
  auto report = nlohmann::json::parse(j.out);
  EXPECT_EQ(report["clean"], true);
  EXPECT_EQ(report["torn_tail"].get<std::string>().rfind("torn tail at log offset", 0), 0u);

  // Replay (what ls, getmap and a client's server do) stops before it.
  EXPECT_EQ(famfs({"ls", d.path}).out, "drwxr-xr-x     0     0            0 before/\n");
  {
    auto dev = format::Device::open(d.path, false);
    format::Filesystem fs(*dev);
    EXPECT_EQ(fs.state().entries, 1u);
    EXPECT_TRUE(fs.state().torn_tail);
  }
  // The master goes on; the torn entry is gone for good.
  CliRun c = famfs({"creat", "-s", "3M", d.path, "after"});
  EXPECT_EQ(c.status, 0) << c.err;
  CliRun clean = famfs({"fsck", d.path});
  EXPECT_EQ(clean.status, 0) << clean.out;
  EXPECT_NE(clean.out.find(": clean, 1 files, 1 directories"), std::string::npos) << clean.out;
}

TEST(FamfsCli, FsckExitsOneOnDamage) {
  Device d;
  famfs({"mkdir", d.path, "a"});
  uint64_t used = 0;
  uint64_t log_offset = 0;
  {
    auto dev = format::Device::open(d.path, false);
    format::Filesystem fs(*dev);
    used = fs.state().log_used;
    log_offset = fs.superblock().log_offset;
  }
  {
    std::fstream f(d.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(log_offset + used - 1));  // inside the committed entry
    f.put('X');
  }
  CliRun r = famfs({"fsck", d.path});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(
      r.out.find("error: damaged log at log offset 0: committed entry fails its checks: checksum mismatch"),
      std::string::npos)
      << r.out;
  expect_failure(famfs({"mkdir", d.path, "b"}), "the metadata log is damaged");
}

TEST(FamfsCli, VersionOneIsReadNotChanged) {
  Device d;
  famfs({"mkdir", d.path, "old"});
  {
    auto dev = format::Device::open(d.path, true);
    format::Superblock sb = format::Filesystem(*dev).superblock();
    sb.version = 1;
    auto bytes = format::encode_superblock(sb);
    std::memcpy(dev->bytes().data(), bytes.data(), bytes.size());
  }
  EXPECT_NE(famfs({"ls", d.path}).out.find("old/"), std::string::npos);
  CliRun check = famfs({"fsck", d.path});
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("format 1, master none"), std::string::npos) << check.out;
  expect_failure(famfs({"mkdir", d.path, "new"}),
                 d.path + ": this famfs is format version 1, which records no master: it can be read");
}

TEST(FamfsCli, LogplayNeedsAFamfsMount) {
  expect_failure(famfs({"logplay", "/tmp"}),
                 "/tmp: not the root of a famfs mount (no user.famfs.logplay here)");
  expect_failure(famfs({"logplay", "/nonexistent"}),
                 "/nonexistent: logplay failed: No such file or directory");
}

TEST(FamfsCli, UsageErrorsExitTwo) {
  EXPECT_EQ(famfs({}).status, 2);
  EXPECT_EQ(famfs({"creat", "/dev/null", "x"}).status, 2);  // --size is required
  EXPECT_EQ(famfs({"frobnicate"}).status, 2);
  EXPECT_EQ(famfs({"logplay"}).status, 2);
}

TEST(FamfsCli, TheStaticBinaryRuns) {
  Device d;
  famfs({"creat", "-s", "5000", d.path, "f"});
  ProcessResult r = run_process({FAMFS_BINARY, "fsck", d.path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(": clean, 1 files"), std::string::npos) << r.output;
  ProcessResult bad = run_process({FAMFS_BINARY, "ls", "/nonexistent"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("famfs: /nonexistent: cannot open"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace famlab::famfs::cli
