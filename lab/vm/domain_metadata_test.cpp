#include "lab/vm/domain_metadata.h"

#include <gtest/gtest.h>
#include <unistd.h>

using namespace famlab::vm;

TEST(DomainMetadata, RoundTripsThroughTheElement) {
  DomainOwner o = this_process_owner("cafe0123");
  o.run_dir = "/tmp/famlab-run-<&\"'>";
  o.scenario = "interleave-2way-2hb";
  o.kernel = "/home/me/bzImage";
  auto back = parse_owner_element(owner_element(o));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->run_id, "cafe0123");
  EXPECT_EQ(back->controller, o.controller);
  EXPECT_EQ(back->boot_id, o.boot_id);
  EXPECT_EQ(back->pid, static_cast<long>(getpid()));
  EXPECT_EQ(back->pid_start, o.pid_start);
  EXPECT_EQ(back->run_dir, o.run_dir);
  EXPECT_EQ(back->scenario, o.scenario);
  EXPECT_EQ(back->kernel, o.kernel);
}

// libvirt hands the element back re-serialized: another prefix, single or
// double quotes, an XML declaration. Only our namespace counts.
TEST(DomainMetadata, ReadsWhatLibvirtReturnsAndOnlyOurNamespace) {
  auto o = parse_owner_element(
      "<?xml version=\"1.0\"?>\n<f:run xmlns:f='http://famlab.dev/xmlns/libvirt/1' id='ab' pid='12' "
      "pid-start='99' controller='h' run-dir='/tmp/x'/>");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->run_id, "ab");
  EXPECT_EQ(o->pid, 12);
  EXPECT_EQ(o->pid_start, 99u);
  // What libvirt 11 actually returns: no namespace, no prefix.
  auto plain = parse_owner_element("<run id=\"cd\" controller=\"vm\" pid=\"1\" pid-start=\"2\"/>");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->run_id, "cd");
  EXPECT_FALSE(parse_owner_element("<f:run xmlns:f='http://example.org/other' id='ab'/>"));
  EXPECT_FALSE(parse_owner_element("<run xmlns='http://example.org/other' id='ab'/>"));
  EXPECT_FALSE(
      parse_owner_element("<famlab:other xmlns:famlab='http://famlab.dev/xmlns/libvirt/1' id='ab'/>"));
  EXPECT_FALSE(parse_owner_element("<famlab:run xmlns:famlab='http://famlab.dev/xmlns/libvirt/1'/>"));
  EXPECT_FALSE(
      parse_owner_element("<famlab:run xmlns:famlab='http://famlab.dev/xmlns/libvirt/1' id='a' pid='x'/>"));
  EXPECT_FALSE(parse_owner_element(""));
}

TEST(DomainMetadata, AliveOnlyForTheSameProcessOnTheSameBoot) {
  DomainOwner me = this_process_owner("r");
  EXPECT_TRUE(owner_is_alive_here(me));
  EXPECT_TRUE(owner_is_on_this_machine(me));
  DomainOwner reused = me;
  reused.pid_start += 1;  // same pid, another process
  EXPECT_FALSE(owner_is_alive_here(reused));
  DomainOwner rebooted = me;
  rebooted.boot_id = "another-boot";
  EXPECT_FALSE(owner_is_alive_here(rebooted));
  DomainOwner elsewhere = me;
  elsewhere.controller = "some-other-machine";
  EXPECT_FALSE(owner_is_alive_here(elsewhere));
  EXPECT_FALSE(owner_is_on_this_machine(elsewhere));
}

TEST(DomainMetadata, RunIdsAreFreshHex) {
  std::string a = new_run_id(), b = new_run_id();
  EXPECT_EQ(a.size(), 8u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}
