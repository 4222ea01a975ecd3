#include "harness/agent/sysfs.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/error.h"
#include "harness/agent/fake_sysfs.h"

using namespace famlab::agent;

TEST(Sysfs, NaturalOrderComparesNumbersAsNumbers) {
  std::vector<std::string> v = {"mem10", "mem2", "decoder3.10", "decoder3.2", "mem1"};
  std::sort(v.begin(), v.end(), natural_less);
  EXPECT_EQ(v, (std::vector<std::string>{"decoder3.2", "decoder3.10", "mem1", "mem2", "mem10"}));
  EXPECT_FALSE(natural_less("mem2", "mem2"));
}

TEST(Sysfs, ParsesKernelNumbersAndRejectsGarbage) {
  EXPECT_EQ(parse_u64("0x10000000", "x"), 268435456u);
  EXPECT_EQ(parse_u64("4096", "x"), 4096u);
  EXPECT_THROW(parse_u64("", "x"), famlab::Error);
  EXPECT_THROW(parse_u64("12abc", "x"), famlab::Error);
  EXPECT_THROW(parse_u64("-1", "x"), famlab::Error);
}

TEST(Sysfs, TrailingNumberAndIsBelow) {
  EXPECT_EQ(trailing_number("endpoint13"), 13);
  EXPECT_EQ(trailing_number("dport222"), 222);
  EXPECT_FALSE(trailing_number("root"));
  EXPECT_TRUE(is_below("/sys/devices/pci0000:0c/0000:0c:00.0/mem0", "/sys/devices/pci0000:0c"));
  EXPECT_FALSE(is_below("/sys/devices/pci0000:0c1/x", "/sys/devices/pci0000:0c"));
  EXPECT_FALSE(is_below("/sys/devices/pci0000:0c", "/sys/devices/pci0000:0c"));
}

TEST(Sysfs, ReadWriteErrorsNameTheFile) {
  fake::FakeSysfs fake;
  fs::path f = fake.sys() / "attr";
  fake.write(f, "0x20");
  EXPECT_EQ(read_u64_attr(f), 32u);
  write_attr(f, "7");
  EXPECT_EQ(read_attr(f), "7");
  try {
    read_attr(fake.sys() / "missing");
    FAIL() << "no throw";
  } catch (const famlab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos);
  }
  EXPECT_THROW(write_attr(fake.sys() / "nodir/attr", "1"), famlab::Error);
  EXPECT_FALSE(try_read_attr(fake.sys() / "missing"));
}
