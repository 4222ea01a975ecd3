// The QMP client against a real QEMU 10: the cxl1 topology's machine,
// started frozen (-S, a stand-in kernel), its monitor on a unix socket in
// the private run directory. query-commands must list the CXL injection
// commands, and a real cxl-inject-poison must land in the device: the same
// range injected again is refused as an overlap, which only a stored
// record explains. Bad arguments come back as QEMU's typed errors.
#include <gtest/gtest.h>

#include <fstream>

#include "lab/vm/test_frozen_qemu.h"

using namespace famlab;
using famlab::vm::test_support::FrozenQemu;
using famlab::vm::test_support::have_qemu;
using nlohmann::json;

TEST(QmpRealQemu, QueryCommandsAndARealPoisonInjection) {
  if (!have_qemu()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  FrozenQemu frozen("cxl1.toml");
  vm::QmpClient* client = &frozen.client();
  EXPECT_FALSE(client->qemu_version().empty());
  for (const char* c :
       {"cxl-inject-poison", "cxl-inject-general-media-event", "cxl-inject-dram-event",
        "cxl-inject-memory-module-event", "cxl-inject-uncorrectable-errors", "cxl-inject-correctable-error"})
    EXPECT_TRUE(client->has(c)) << c << " missing from QEMU " << client->qemu_version();
  EXPECT_FALSE(client->has("cxl-inject-everything"));

  // The topology's device id is its QEMU id: /machine/peripheral/<id>.
  const json args = {{"path", "/machine/peripheral/mem0"}, {"start", 0x1000}, {"length", 64}};
  vm::QmpReply first = client->execute("cxl-inject-poison", args);
  ASSERT_TRUE(first.ok()) << first.error->desc;
  vm::QmpReply again = client->execute("cxl-inject-poison", args);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error->error_class, "GenericError");
  EXPECT_NE(again.error->desc.find("Overlap"), std::string::npos) << again.error->desc;

  vm::QmpReply unaligned = client->execute(
      "cxl-inject-poison", {{"path", "/machine/peripheral/mem0"}, {"start", 0x1010}, {"length", 64}});
  ASSERT_FALSE(unaligned.ok());
  EXPECT_NE(unaligned.error->desc.find("64 byte aligned"), std::string::npos) << unaligned.error->desc;

  vm::QmpReply not_type3 = client->execute(
      "cxl-inject-poison", {{"path", "/machine/peripheral/hb0"}, {"start", 0}, {"length", 64}});
  ASSERT_FALSE(not_type3.ok());
  EXPECT_NE(not_type3.error->desc.find("CXL type 3"), std::string::npos) << not_type3.error->desc;

  vm::QmpReply missing_arg =
      client->execute("cxl-inject-poison", {{"path", "/machine/peripheral/mem0"}, {"start", 0}});
  ASSERT_FALSE(missing_arg.ok());
  EXPECT_NE(missing_arg.error->desc.find("'length' is missing"), std::string::npos)
      << missing_arg.error->desc;

  vm::QmpReply unknown = client->execute("cxl-inject-everything");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error->error_class, "CommandNotFound");

  // The transcript has both directions of the exchange.
  std::ifstream log(frozen.transcript_file());
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find(R"(-> {"arguments":{"length":64,"path":"/machine/peripheral/mem0","start":4096},)"
                      R"("execute":"cxl-inject-poison")"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(<- {"return": {}, "id": "famlab-)"), std::string::npos) << text;
  EXPECT_NE(text.find("Overlap with existing poisoned region not supported"), std::string::npos);
}
