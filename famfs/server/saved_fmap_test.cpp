#include "famfs/server/saved_fmap.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace famlab::famfs::server {
namespace {

SavedFmap sample() {
  SavedFmap s;
  s.seed = 11;
  s.index = 4242;
  s.file_size = 4194304;
  s.device_size = 268435456;
  s.recipe = "simple 1 extent(s); bit flips 77";
  s.observed = "opened; model: header reserved0 is 1";
  s.reply = {0x00, 0x01, 0xab, 0xff};
  return s;
}

std::string error_of(const std::string& text) {
  try {
    decode_saved_fmap(text, "x.fmap");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SavedFmap, RoundTrips) {
  std::string text = encode_saved_fmap(sample());
  EXPECT_NE(text.find("\nreply 0001abff\n"), std::string::npos) << text;
  SavedFmap back = decode_saved_fmap(text, "x.fmap");
  EXPECT_EQ(back.seed, 11u);
  EXPECT_EQ(back.index, 4242u);
  EXPECT_EQ(back.abi, "rfc-v2");
  EXPECT_EQ(back.file_size, 4194304u);
  EXPECT_EQ(back.device_size, 268435456u);
  EXPECT_EQ(back.recipe, sample().recipe);
  EXPECT_EQ(back.observed, sample().observed);
  EXPECT_EQ(back.reply, sample().reply);
  EXPECT_EQ(encode_saved_fmap(back), text);
  SavedFmap empty_reply = sample();
  empty_reply.reply.clear();
  EXPECT_TRUE(decode_saved_fmap(encode_saved_fmap(empty_reply), "x").reply.empty());
}

TEST(SavedFmap, MistakesSayFileAndLine) {
  const std::string head = "famfs-saved-fmap 1\n";
  EXPECT_EQ(error_of("hello\n"),
            "x.fmap:1: not a saved famfs map (the first line must be 'famfs-saved-fmap 1')");
  EXPECT_EQ(error_of(""), "x.fmap: empty: not a saved famfs map");
  EXPECT_EQ(error_of(head + "seed 1\nseed 2\n"), "x.fmap:3: 'seed' given twice");
  EXPECT_EQ(error_of(head + "# c\nindex -3\n"), "x.fmap:3: index '-3' is not a decimal number below 2^64");
  EXPECT_EQ(
      error_of(head + "colour red\n"),
      "x.fmap:2: unknown key 'colour' (seed, index, abi, file_size, device_size, recipe, observed, reply)");
  EXPECT_EQ(error_of(head + "reply 0g\n"), "x.fmap:2:8: reply: 'g' is not a hex digit");
  EXPECT_EQ(error_of(head + "reply 012\n"), "x.fmap:2: reply has an odd number of hex digits (3)");
  EXPECT_EQ(error_of(head + "seed 1\nindex 2\nabi rfc-v2\nfile_size 3\nreply 00\n"),
            "x.fmap: 'device_size' is missing");
}

TEST(SavedFmap, Names) {
  EXPECT_EQ(saved_fmap_name(11, 4242), "fmap-11-4242");
  EXPECT_EQ(replay_name("/tmp/saved/fmap-11-4242.fmap"), "fmap-11-4242");
  EXPECT_EQ(replay_name("/tmp/mine.bin"), "mine.bin");
}

}  // namespace
}  // namespace famlab::famfs::server
