// famlab gc against libvirt's in-process test driver: only domains with our
// prefix AND our metadata AND a famlab that is gone are destroyed.
#include "lab/vm/libvirt_gc.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "lab/vm/domain_metadata.h"

using namespace famlab::vm;
namespace fs = std::filesystem;

namespace {

std::string domain_xml(const std::string& name, const std::optional<DomainOwner>& owner) {
  return "<domain type='test'><name>" + name + "</name><memory>65536</memory>" +
         (owner ? "<metadata>" + owner_element(*owner) + "</metadata>" : "") +
         "<os><type>hvm</type></os></domain>";
}

std::map<std::string, GcEntry> by_domain(const std::vector<GcEntry>& entries) {
  std::map<std::string, GcEntry> out;
  for (const auto& e : entries) out[e.domain] = e;
  return out;
}

bool running(const LibvirtConnection& c, const std::string& name) {
  for (auto& d : list_active_domains(c))
    if (d.name() == name) return true;
  return false;
}

}  // namespace

TEST(LibvirtGc, RemovesOnlyLeftoversOfDeadRuns) {
  LibvirtConnection c("test:///default");
  fs::path leftover = fs::temp_directory_path() / ("famlab-run-gctest-" + std::to_string(getpid()));
  fs::create_directories(leftover);

  DomainOwner dead = this_process_owner("dead0001");
  dead.pid_start += 1;  // this pid, but another (gone) process
  dead.run_dir = leftover.string();
  DomainOwner live = this_process_owner("live0001");
  DomainOwner elsewhere = dead;
  elsewhere.controller = "another-machine";
  elsewhere.run_dir = "/tmp/famlab-run-notours";

  std::vector<LibvirtDomain> doms;
  auto create = [&](const std::string& name, const std::optional<DomainOwner>& o) {
    doms.emplace_back(virDomainCreateXML(c.get(), domain_xml(name, o).c_str(), 0));
    ASSERT_TRUE(doms.back()) << libvirt_error();
  };
  create("famlab-gc-dead", dead);
  create("famlab-gc-live", live);
  create("famlab-gc-nometa", std::nullopt);
  create("other-gc-dead", dead);
  create("famlab-gc-elsewhere", elsewhere);
  LibvirtDomain persistent(virDomainDefineXML(c.get(), domain_xml("famlab-gc-persistent", dead).c_str()));
  ASSERT_TRUE(persistent) << libvirt_error();
  ASSERT_EQ(virDomainCreate(persistent.get()), 0) << libvirt_error();

  // A dry run names the same domain and touches nothing.
  auto dry = by_domain(collect_garbage(c, {.force = false, .dry_run = true}));
  EXPECT_EQ(dry["famlab-gc-dead"].action, GcEntry::Action::Removed);
  EXPECT_TRUE(running(c, "famlab-gc-dead"));
  EXPECT_TRUE(fs::exists(leftover));

  auto got = by_domain(collect_garbage(c, {}));
  EXPECT_FALSE(got.count("other-gc-dead"));  // not our prefix: not even looked at
  EXPECT_EQ(got["famlab-gc-dead"].action, GcEntry::Action::Removed);
  EXPECT_EQ(got["famlab-gc-dead"].run_dir_removed, leftover.string());
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_EQ(got["famlab-gc-live"].action, GcEntry::Action::Kept);
  EXPECT_NE(got["famlab-gc-live"].why.find("still running"), std::string::npos) << got["famlab-gc-live"].why;
  EXPECT_EQ(got["famlab-gc-nometa"].action, GcEntry::Action::Kept);
  EXPECT_EQ(got["famlab-gc-elsewhere"].action, GcEntry::Action::Kept);
  EXPECT_NE(got["famlab-gc-elsewhere"].why.find("--force"), std::string::npos);
  EXPECT_EQ(got["famlab-gc-persistent"].action, GcEntry::Action::Kept);

  EXPECT_FALSE(running(c, "famlab-gc-dead"));
  for (const char* n :
       {"famlab-gc-live", "famlab-gc-nometa", "other-gc-dead", "famlab-gc-elsewhere", "famlab-gc-persistent"})
    EXPECT_TRUE(running(c, n)) << n;

  // --force: also the one from another machine and the live run's.
  auto forced = by_domain(collect_garbage(c, {.force = true, .dry_run = false}));
  EXPECT_EQ(forced["famlab-gc-elsewhere"].action, GcEntry::Action::Removed);
  EXPECT_EQ(forced["famlab-gc-elsewhere"].run_dir_removed, "");  // not this machine's directory
  EXPECT_EQ(forced["famlab-gc-live"].action, GcEntry::Action::Removed);
  EXPECT_EQ(forced["famlab-gc-nometa"].action, GcEntry::Action::Kept);
  EXPECT_EQ(forced["famlab-gc-persistent"].action, GcEntry::Action::Kept);

  for (auto& d : doms) virDomainDestroy(d.get());
  virDomainDestroy(persistent.get());
  virDomainUndefine(persistent.get());
}
