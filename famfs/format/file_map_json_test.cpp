#include "famfs/format/file_map_json.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

constexpr uint64_t M2 = kAllocUnit;

TEST(FileMapJson, BothKindsRoundTrip) {
  FileMap simple{FileMap::Kind::Simple, {{10 * M2, M2}, {4 * M2, 2 * M2}}, 0};
  FileMap inter{FileMap::Kind::Interleaved, {{10 * M2, 2 * M2}, {20 * M2, 2 * M2}}, M2};
  EXPECT_EQ(file_map_from_json(file_map_to_json(simple)), simple);
  EXPECT_EQ(file_map_from_json(file_map_to_json(inter)), inter);
  EXPECT_EQ(file_map_to_json(inter)["kind"], "interleaved");
}

TEST(FileMapJson, RejectsWhatCannotBeAMapNamingTheField) {
  auto message = [](const nlohmann::json& j) {
    try {
      file_map_from_json(j);
    } catch (const famlab::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message({{"kind", "striped"}, {"extents", nlohmann::json::array()}}).find("kind 'striped'"),
            std::string::npos);
  EXPECT_NE(message({{"kind", "simple"}}).find("no extents"), std::string::npos);
  EXPECT_NE(message({{"kind", "simple"}, {"extents", {{{"offset", 0}}}}}).find("file map"),
            std::string::npos);
  EXPECT_NE(message({{"kind", "interleaved"}, {"chunk_size", 0}, {"extents", nlohmann::json::array()}})
                .find("chunk_size 0"),
            std::string::npos);
  EXPECT_NE(message(nlohmann::json::array()).find("not a JSON object"), std::string::npos);
}

TEST(FileMapJson, SeveralInterleavedExtentsRoundTrip) {
  FileMap m = striped_map({Stripe{6 * M2, 4 * M2, {{10 * M2, 4 * M2}, {20 * M2, 4 * M2}}},
                           Stripe{2 * M2, 2 * M2, {{30 * M2, 2 * M2}}}});
  nlohmann::json j = file_map_to_json(m);
  EXPECT_EQ(j["extents"].size(), 3u);
  EXPECT_EQ(j["stripes"].size(), 2u);
  EXPECT_EQ(file_map_from_json(j), m);
  j["extents"].erase(2);
  EXPECT_THROW(file_map_from_json(j), Error);
}

}  // namespace
}  // namespace famlab::famfs::format
