#include "lab/topology/toml_table.h"

#include <gtest/gtest.h>

using namespace famlab;
using namespace famlab::topology;

namespace {
toml::table parse(std::string_view text) { return toml::parse(text, std::string_view("t.toml")); }
}  // namespace

TEST(TomlTable, SizesFromStringsAndIntegers) {
  auto root = parse("a = \"256M\"\nb = 4096\nc = \"12 apples\"\nd = -1\ne = true\n");
  std::vector<Diagnostic> out;
  TomlTable t(root, "t.toml", "[x]", out);
  EXPECT_EQ(t.get_size("a"), 256 * MiB);
  EXPECT_EQ(t.get_size("b"), 4096u);
  EXPECT_FALSE(t.get_size("c").has_value());
  EXPECT_FALSE(t.get_size("d").has_value());
  EXPECT_FALSE(t.get_size("e").has_value());
  EXPECT_FALSE(t.get_size("absent").has_value());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].str(),
            "t.toml:3:1: 'c' = \"12 apples\" is not a size (examples: \"256M\", \"4G\", \"4096\")");
  EXPECT_EQ(out[1].str(), "t.toml:4:1: 'd' must not be negative");
  EXPECT_EQ(out[2].str(),
            "t.toml:5:1: 'e' in [x] must be a size like \"256M\" or a number of bytes, not a boolean");
}

TEST(TomlTable, UnknownKeysGetASuggestionOnlyWhenClose) {
  auto root = parse("devcies = []\nzebra = 1\n");
  std::vector<Diagnostic> out;
  TomlTable t(root, "t.toml", "[[region]]", out);
  t.get_strings("devices");
  t.get_integer("window", 0, 10);
  EXPECT_EQ(t.report_unknown_keys(), 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].message, "unknown key 'devcies' in [[region]] (did you mean 'devices'?)");
  EXPECT_EQ(out[1].message, "unknown key 'zebra' in [[region]]");
}

TEST(TomlTable, SecondsAndStringArrays) {
  auto root = parse("a = 2.5\nb = 3\nc = 0\nd = [\"x\", 1]\n");
  std::vector<Diagnostic> out;
  TomlTable t(root, "t.toml", "[x]", out);
  EXPECT_EQ(t.get_seconds("a"), 2.5);
  EXPECT_EQ(t.get_seconds("b"), 3.0);
  EXPECT_FALSE(t.get_seconds("c").has_value());
  EXPECT_FALSE(t.get_strings("d").has_value());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].message, "'c' must be a positive number of seconds");
  EXPECT_EQ(out[1].str(), "t.toml:4:11: 'd' in [x] must hold only strings; item 1 is an integer");
}

TEST(TomlTable, MissingRequiredKeyPointsAtTheTable) {
  auto root = parse("[[device]]\nport = \"hb0.rp0\"\n");
  std::vector<Diagnostic> out;
  TomlTable t(*root["device"].as_array()->get(0)->as_table(), "t.toml", "[[device]]", out);
  EXPECT_FALSE(t.required_string("id").has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].where.line, 1);
  EXPECT_EQ(out[0].message, "[[device]] needs 'id'");
}
