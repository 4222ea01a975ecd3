#include "harness/agent/virtio_port.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "base/error.h"
#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

TEST(VirtioPort, FindsThePortByNameAmongOthers) {
  fake::FakeSysfs fake;
  fake.write(fake.sys() / "class/virtio-ports/vport0p0/name", "org.qemu.guest_agent.0");
  fake.write(fake.sys() / "class/virtio-ports/vport1p1/name", "org.famlab.agent");
  fake.write(fake.dev() / "vport1p1", "");
  auto node = find_virtio_port(fake.roots(), "org.famlab.agent");
  ASSERT_TRUE(node);
  EXPECT_EQ(*node, fake.dev() / "vport1p1");
  int fd = open_virtio_port(fake.roots(), "org.famlab.agent", 1);
  EXPECT_GE(fd, 0);
  close(fd);
}

TEST(VirtioPort, GivesUpAfterTheTimeoutNamingWhatItSaw) {
  fake::FakeSysfs fake;
  fake.write(fake.sys() / "class/virtio-ports/vport0p0/name", "other");
  auto t0 = std::chrono::steady_clock::now();
  try {
    open_virtio_port(fake.roots(), "org.famlab.agent", 0.2);
    FAIL() << "no throw";
  } catch (const famlab::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "no virtio-serial port named org.famlab.agent appeared within 0.2 s (ports: vport0p0='other')");
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2);
}
