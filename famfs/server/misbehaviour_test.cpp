#include "famfs/server/misbehaviour.h"

#include <gtest/gtest.h>

#include "famfs/fuse/wire.h"

namespace famlab::famfs::server {
namespace {

TEST(Misbehaviour, LateRepliesTakeTheLongestMatch) {
  ServerOptions o;
  o.late = {{std::nullopt, 100}, {fuse::kRead, 2000}};
  Misbehaviour m(o);
  EXPECT_EQ(m.delay_ms(fuse::kRead), 2000u);
  EXPECT_EQ(m.delay_ms(fuse::kLookup), 100u);
  ServerOptions none;
  EXPECT_EQ(Misbehaviour(none).delay_ms(fuse::kRead), 0u);
}

TEST(Misbehaviour, DieOnTheNthMatchingOpcode) {
  ServerOptions o;
  o.die_on_opcode = fuse::kRead;
  o.die_on_count = 2;
  Misbehaviour m(o);
  EXPECT_FALSE(m.death(fuse::kInit, "INIT"));
  EXPECT_FALSE(m.death(fuse::kRead, "READ"));
  EXPECT_FALSE(m.death(fuse::kLookup, "LOOKUP"));
  auto why = m.death(fuse::kRead, "READ");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("READ #2"), std::string::npos) << *why;
}

TEST(Misbehaviour, DieAfterCountsOnlyRequestsAfterInit) {
  ServerOptions o;
  o.die_after_requests = 2;
  Misbehaviour m(o);
  EXPECT_FALSE(m.death(fuse::kInit, "INIT"));
  EXPECT_FALSE(m.death(fuse::kLookup, "LOOKUP"));
  auto why = m.death(fuse::kGetattr, "GETATTR");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("request 2 after INIT (GETATTR)"), std::string::npos) << *why;
}

}  // namespace
}  // namespace famlab::famfs::server
