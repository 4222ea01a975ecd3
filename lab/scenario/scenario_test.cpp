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

TEST(Scenario, TheDebugFlavourRunsAndIsJudgedAsItsVariant) {
  Scenario sc;
  sc.kernels = {"famfs", "famfs-rfc"};
  EXPECT_TRUE(sc.applies_to("famfs+debug"));
  EXPECT_TRUE(sc.applies_to("famfs-rfc+debug"));
  EXPECT_FALSE(sc.applies_to("famfs-v3+debug"));
  EXPECT_FALSE(sc.applies_to("stock+debug"));
  sc.kernels = {"famfs+debug"};  // a scenario may also name a flavour alone
  EXPECT_TRUE(sc.applies_to("famfs+debug"));
  EXPECT_FALSE(sc.applies_to("famfs"));

  Step st;
  st.expect_famfs = {{"default", "on"}, {"stock", "not-offered"}, {"famfs-rfc+debug", "off"}};
  st.expect_data = {{"default", "dax"}, {"famfs-v3", "server"}};
  st.expect_decided_by = {{"famfs", "server-cap"}};
  EXPECT_EQ(st.famfs_expected_on("stock"), "not-offered");
  EXPECT_EQ(st.famfs_expected_on("famfs+debug"), "on");
  EXPECT_EQ(st.famfs_expected_on("famfs-rfc+debug"), "off");  // its own entry first
  EXPECT_EQ(st.data_expected_on("famfs-v3+debug"), "server");
  EXPECT_EQ(st.decided_by_expected_on("famfs+debug"), "server-cap");
  EXPECT_EQ(st.decided_by_expected_on("famfs"), "server-cap");
  EXPECT_FALSE(st.decided_by_expected_on("famfs-v3+debug"));
}
