#include "lab/topology/diagnostic.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::topology;

TEST(Diagnostic, SortsByLineWithinEachFileKeepingFileOrder) {
  std::vector<Diagnostic> d = {{{"s.toml", 9, 1}, "s9"},
                               {{"t.toml", 2, 1}, "t2"},
                               {{"s.toml", 3, 5}, "s3"},
                               {{"t.toml", 1, 1}, "t1"},
                               {{"s.toml", 3, 1}, "s3a"}};
  sort_by_position(d);
  std::vector<std::string> order;
  for (const auto& x : d) order.push_back(x.message);
  EXPECT_EQ(order, (std::vector<std::string>{"s3a", "s3", "s9", "t1", "t2"}));
}

TEST(Diagnostic, ThrowFirstSaysWhereAndWhat) {
  EXPECT_NO_THROW(throw_first({}));
  try {
    throw_first({{{"f.toml", 4, 2}, "bad"}, {{"f.toml", 5, 1}, "worse"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "f.toml:4:2: bad");
  }
}
