#include "lab/common/kernel_flavour.h"

#include <gtest/gtest.h>

using namespace famlab;

TEST(KernelFlavour, SplitsOnlyATrailingDebug) {
  EXPECT_EQ(split_kernel_name("famfs+debug").variant, "famfs");
  EXPECT_TRUE(split_kernel_name("famfs+debug").debug);
  EXPECT_EQ(split_kernel_name("famfs-v3").variant, "famfs-v3");
  EXPECT_FALSE(split_kernel_name("famfs-v3").debug);
  EXPECT_FALSE(split_kernel_name("+debug").debug);  // no variant before it
  EXPECT_FALSE(split_kernel_name("famfs+debugger").debug);
  EXPECT_EQ(split_kernel_name("/k/bzImage").variant, "/k/bzImage");
}

TEST(KernelFlavour, DebugNameIsIdempotent) {
  EXPECT_EQ(debug_kernel_name("famfs"), "famfs+debug");
  EXPECT_EQ(debug_kernel_name("famfs+debug"), "famfs+debug");
}
