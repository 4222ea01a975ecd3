#include "lab/scenario/regex_check.h"

#include <gtest/gtest.h>

using namespace famlab::scenario;

TEST(RegexCheck, AcceptsOrdinaryPatterns) {
  EXPECT_FALSE(regex_problem("\"mode\":\\s*\"devdax\"").has_value());
  EXPECT_FALSE(regex_problem("size\":536870912").has_value());  // long literal numbers are fine
  EXPECT_FALSE(regex_problem("(a)\\1{2,3}").has_value());
  EXPECT_FALSE(regex_problem("\\\\1234567").has_value());  // an escaped backslash, then digits
}

TEST(RegexCheck, ReportsSyntaxErrors) {
  EXPECT_EQ(regex_problem("(unclosed"), "Mismatched '(' and ')' in regular expression");
  EXPECT_TRUE(regex_problem("[a-").has_value());
}

TEST(RegexCheck, RefusesNumbersThatOverflowTheCompiler) {
  EXPECT_EQ(regex_problem("x\\99999999999999999999"),
            "a back-reference or repeat count has more than 6 digits");
  EXPECT_TRUE(regex_problem("a{1,99999999999999999999}").has_value());
}
