#include "lab/scenario/scenario.h"

#include <gtest/gtest.h>

using namespace famlab::scenario;

TEST(Scenario, ActionNamesRoundTrip) {
  for (Action a : {Action::Bringup, Action::Run, Action::WritePattern, Action::VerifyPattern,
                   Action::CheckPlacement, Action::Dmesg}) {
    EXPECT_EQ(action_from_name(action_name(a)), a);
  }
  EXPECT_EQ(action_name(Action::CheckPlacement), "check_placement");
  EXPECT_FALSE(action_from_name("bring-up").has_value());
}

TEST(Scenario, AppliesToListedKernelsOrToAnyWhenNoneListed) {
  Scenario sc;
  EXPECT_TRUE(sc.applies_to("plain"));
  sc.kernels = {"plain", "stock"};
  EXPECT_TRUE(sc.applies_to("stock"));
  EXPECT_FALSE(sc.applies_to("user"));
}
