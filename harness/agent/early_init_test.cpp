#include "harness/agent/early_init.h"

#include <gtest/gtest.h>

using namespace famlab::agent;

TEST(EarlyInit, ModuleListSkipsCommentsAndBlankLines) {
  EXPECT_EQ(parse_module_list("cxl_acpi\n\n# pmem path\ncxl_pci  # probe\n  dax_cxl\n"),
            (std::vector<std::string>{"cxl_acpi", "cxl_pci", "dax_cxl"}));
  EXPECT_TRUE(parse_module_list("").empty());
}
