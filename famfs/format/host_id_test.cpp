#include "famfs/format/host_id.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/error_of.h"
#include "base/small_file.h"
#include "famfs/format/superblock.h"

namespace famlab::famfs::format {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/famfs-hostid-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

TEST(HostId, Parses) {
  auto id = parse_host_id("  00112233-4455-6677-8899-aabbccddeeff\n");
  ASSERT_TRUE(id);
  EXPECT_EQ((*id)[0], 0x00);
  EXPECT_EQ((*id)[1], 0x11);
  EXPECT_EQ((*id)[15], 0xff);
  EXPECT_EQ(uuid_text(*id), "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(parse_host_id("00112233445566778899AABBCCDDEEFF"), id);
  EXPECT_FALSE(parse_host_id(""));
  EXPECT_FALSE(parse_host_id("00112233445566778899aabbccddeef"));       // 31 digits
  EXPECT_FALSE(parse_host_id("00112233445566778899aabbccddeeff0"));     // 33
  EXPECT_FALSE(parse_host_id("0011223344556677889gaabbccddeeff"));      // not hex
  EXPECT_FALSE(parse_host_id("00000000-0000-0000-0000-000000000000"));  // zero means "no master"
}

TEST(HostId, MadeOnFirstUseThenKept) {
  TempDir d;
  std::string file = d.path + "/etc/famfs/host_id";  // the directories do not exist yet
  HostId first = load_or_create_host_id(file);
  EXPECT_FALSE(is_zero(first));
  EXPECT_EQ(parse_host_id(read_small_file(file)), first);
  EXPECT_EQ(load_or_create_host_id(file), first);
  // Nothing else left in the directory (the temporary was removed).
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path + "/etc/famfs"), fs::directory_iterator()), 1);
  // Another host (another file) gets another id.
  EXPECT_NE(load_or_create_host_id(d.path + "/other"), first);
}

TEST(HostId, ABadFileIsAnErrorNamingIt) {
  TempDir d;
  std::string file = d.path + "/host_id";
  write_small_file(file, "not an id\n");
  EXPECT_EQ(error_of([&] { load_or_create_host_id(file); }),
            file + ": holds no host id (32 hex digits, not all zero); fix or remove it");
  EXPECT_EQ(read_small_file(file), "not an id\n");  // left alone
}

TEST(HostId, GivenOrFromTheFileTheEnvironmentNames) {
  TempDir d;
  std::string file = d.path + "/id";
  write_small_file(file, "ffeeddccbbaa99887766554433221100\n");
  setenv(kHostIdFileVariable, file.c_str(), 1);
  EXPECT_EQ(host_id_file(), file);
  EXPECT_EQ(uuid_text(resolve_host_id("")), "ffeeddcc-bbaa-9988-7766-554433221100");
  EXPECT_EQ(uuid_text(resolve_host_id("0123456789abcdef0123456789abcdef")),
            "01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_NE(error_of([] { resolve_host_id("xyz"); }).find("--host-id: 'xyz' is not a host id"),
            std::string::npos);
  unsetenv(kHostIdFileVariable);
  EXPECT_EQ(host_id_file(), kDefaultHostIdFile);
}

}  // namespace
}  // namespace famlab::famfs::format
