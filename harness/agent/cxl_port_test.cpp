#include "harness/agent/cxl_port.h"

#include <gtest/gtest.h>

#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

TEST(CxlPort, EndpointOfMemdevAndItsFirstFreeDecoder) {
  fake::FakeSysfs fake;
  fake.add_host_bridge(12, "pci0000:0c");
  fake.add_memdev("mem0", 1, 256u << 20, "pci0000:0c", "0000:0d:00.0", 7, 3);
  fake.add_memdev("mem1", 2, 256u << 20, "pci0000:0c", "0000:0e:00.0", 8, 3);
  auto m1 = Memdev::by_serial(fake.sys(), 2);
  ASSERT_TRUE(m1);
  auto ep = CxlPort::endpoint_of(fake.sys(), *m1);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->name(), "endpoint8");
  EXPECT_EQ(ep->uport_name(), "mem1");
  EXPECT_EQ(ep->decoders().size(), 3u);
  Decoder::named(fake.sys(), "decoder8.0").set_dpa_size(256u << 20);
  auto free = ep->first_free_decoder();
  ASSERT_TRUE(free);
  EXPECT_EQ(free->name(), "decoder8.1");
}

TEST(CxlPort, RootDportsResolveToHostBridges) {
  fake::FakeSysfs fake;
  fake.add_host_bridge(222, "pci0000:de");
  CxlPort root(fake.sys(), "root0");
  auto hb = root.dport_device(222);
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->filename(), "pci0000:de");
  EXPECT_FALSE(root.dport_device(12));
}
