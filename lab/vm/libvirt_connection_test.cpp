// Against libvirt's in-process test driver (test:///default): real libvirt
// API calls, no daemon.
#include "lab/vm/libvirt_connection.h"

#include <gtest/gtest.h>

using namespace famlab::vm;

TEST(LibvirtConnection, OpensTheTestDriver) {
  LibvirtConnection c("test:///default");
  EXPECT_EQ(c.uri(), "test:///default");
  EXPECT_TRUE(c.alive());
  EXPECT_FALSE(c.hostname().empty());
  EXPECT_TRUE(c.same_machine());  // the test driver reports this machine's name
  EXPECT_FALSE(c.qemu_owner());   // no DAC model in the test driver
}

TEST(LibvirtConnection, AFailedConnectNamesTheUriAndLibvirtsReason) {
  try {
    LibvirtConnection c("qemu+unix:///system?socket=/nonexistent/famlab-test-sock");
    FAIL() << "connected";
  } catch (const famlab::vm::HostError& e) {
    std::string m = e.what();
    EXPECT_EQ(e.kind(), HostError::Kind::Down);
    EXPECT_NE(m.find("qemu+unix:///system?socket=/nonexistent/famlab-test-sock"), std::string::npos) << m;
    EXPECT_NE(m.find("cannot connect"), std::string::npos) << m;
    EXPECT_NE(m.find("No such file or directory"), std::string::npos) << m;  // libvirt's own words too
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  EXPECT_THROW(LibvirtConnection("no-such-driver:///x"), HostError);
}

TEST(LibvirtConnection, DacBaseLabelFromCapabilities) {
  std::string caps =
      "<capabilities><host><secmodel><model>none</model><doi>0</doi></secmodel>"
      "<secmodel><model>dac</model><doi>0</doi><baselabel type='kvm'>+64055:+107</baselabel>"
      "<baselabel type='qemu'>+64055:+64055</baselabel></secmodel></host></capabilities>";
  auto q = dac_base_label(caps, "qemu");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->first, 64055u);
  EXPECT_EQ(q->second, 64055u);
  auto k = dac_base_label(caps, "kvm");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->second, 107u);
  EXPECT_FALSE(dac_base_label("<secmodel><model>none</model></secmodel>", "qemu"));
  EXPECT_FALSE(dac_base_label("<secmodel><model>dac</model><baselabel type='qemu'>x:y</baselabel></secmodel>",
                              "qemu"));
}

TEST(LibvirtConnection, ListsDomainsWithTheirMetadata) {
  LibvirtConnection c("test:///default");
  const char* xml =
      "<domain type='test'><name>famlab-conn-test</name><memory>65536</memory>"
      "<metadata><x:thing xmlns:x='http://example.org/thing' a='b'/></metadata>"
      "<os><type>hvm</type></os></domain>";
  LibvirtDomain d(virDomainCreateXML(c.get(), xml, 0));
  ASSERT_TRUE(d) << libvirt_error();
  bool found = false;
  for (auto& dom : list_active_domains(c)) {
    if (dom.name() != "famlab-conn-test") continue;
    found = true;
    EXPECT_FALSE(dom.persistent());
    auto m = dom.metadata("http://example.org/thing");
    ASSERT_TRUE(m);
    EXPECT_NE(m->find("a=\"b\""), std::string::npos) << *m;
    EXPECT_FALSE(dom.metadata("http://example.org/none"));
  }
  EXPECT_TRUE(found);
  virDomainDestroy(d.get());
}
