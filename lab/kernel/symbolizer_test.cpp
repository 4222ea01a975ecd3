#include "lab/kernel/symbolizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "base/process.h"
#include "base/small_file.h"

using namespace famlab;
using namespace famlab::kernel;
namespace fs = std::filesystem;

namespace {

// A real ELF with line tables, compiled here: binutils reads it exactly as
// it reads a vmlinux. `helper` is always inlined into `leaf`.
constexpr const char* kProgram =
    "#define NOINLINE __attribute__((noinline))\n"                                  // 1
    "static inline __attribute__((always_inline)) int helper(volatile int *p) {\n"  // 2
    "  return *p * 7 + 1;\n"                                                        // 3
    "}\n"                                                                           // 4
    "NOINLINE int leaf(volatile int *p) {\n"                                        // 5
    "  return helper(p) * 2;\n"                                                     // 6
    "}\n"                                                                           // 7
    "NOINLINE int caller(volatile int *p) {\n"                                      // 8
    "  int r = leaf(p);\n"                                                          // 9
    "  return r + 3;\n"                                                             // 10
    "}\n"                                                                           // 11
    "int main(void) { volatile int x = 1; return caller(&x); }\n";                  // 12

class SymbolizerElf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("famlab-symbolizer-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    write_small_file(dir_ / "prog.c", kProgram);
    run_checked({"gcc", "-g", "-O1", "-o", (dir_ / "prog").string(), (dir_ / "prog.c").string()},
                "compiling the test program");
  }
  void TearDown() override { fs::remove_all(dir_); }

  Symbolizer::Symbol symbol(Symbolizer& s, const std::string& name) {
    for (const auto& sym : s.table())
      if (sym.name == name) return sym;
    ADD_FAILURE() << name << " not in the symbol table";
    return {};
  }

  static std::string frame(const std::string& name, uint64_t off, uint64_t size) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%s+0x%llx/0x%llx", name.c_str(), static_cast<unsigned long long>(off),
                  static_cast<unsigned long long>(size));
    return buf;
  }

  fs::path dir_;
};

}  // namespace

TEST_F(SymbolizerElf, ExactFrameInsideInlinedCodeNamesTheWholeChain) {
  Symbolizer s({dir_ / "prog", true});
  Symbolizer::Symbol leaf = symbol(s, "leaf");
  ASSERT_GT(leaf.size, 0u);
  // Somewhere in leaf the code is helper's line 3, inlined at line 6.
  bool seen = false;
  for (uint64_t off = 0; off < leaf.size && !seen; ++off) {
    std::string line = "RIP: 0010:" + frame("leaf", off, leaf.size);
    std::string out = s.annotate(line);
    auto f = parse_trace_line(out);
    ASSERT_TRUE(f) << out;
    if (!f->annotated) continue;
    EXPECT_TRUE(f->file.ends_with("prog.c")) << out;
    if (f->line == 6 && f->inlined.size() == 1 && f->inlined[0].function == "helper" &&
        f->inlined[0].line == 3) {
      seen = true;
      EXPECT_EQ(out.rfind("RIP: 0010:" + frame("leaf", off, leaf.size) + " (", 0), 0u) << out;
    }
  }
  EXPECT_TRUE(seen) << "no offset of leaf resolved to helper (line 3) inlined at line 6";
}

TEST_F(SymbolizerElf, ReturnAddressesNameTheCallLine) {
  Symbolizer s({dir_ / "prog", true});
  Symbolizer::Symbol caller = symbol(s, "caller");
  // A return address is looked up one byte back: the one after the call
  // to leaf resolves to line 9, the call.
  bool seen = false;
  for (uint64_t off = 1; off <= caller.size && !seen; ++off) {
    std::vector<std::string> texts{"Call Trace:\n <TASK>\n " + frame("caller", off, caller.size) +
                                   "\n </TASK>\n"};
    s.annotate(texts);
    auto frames = parse_trace_frames(texts[0]);
    ASSERT_EQ(frames.size(), 1u);
    seen = frames[0].annotated && frames[0].line == 9;
  }
  EXPECT_TRUE(seen);
}

TEST_F(SymbolizerElf, BareAddressesGetNameAndLineOnlyWhenNotRelocated) {
  Symbolizer::Symbol leaf;
  {
    Symbolizer probe({dir_ / "prog", true});
    leaf = symbol(probe, "leaf");
  }
  // A PIE's link addresses are no kernel addresses, so no trace line can
  // carry them: check the naming through frame_at (the relocation rule is
  // checked with a System.map below).
  Symbolizer s({dir_ / "prog", true});
  auto f = s.frame_at(leaf.address + 2);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->function, "leaf");
  EXPECT_EQ(f->offset, 2u);
  EXPECT_EQ(f->size, leaf.size);
  EXPECT_FALSE(s.frame_at(0));
}

TEST_F(SymbolizerElf, TwoTextsOneRunAndAnnotatedLinesStayAlone) {
  Symbolizer s({dir_ / "prog", true});
  Symbolizer::Symbol caller = symbol(s, "caller");
  std::vector<std::string> texts{" " + frame("caller", 0, caller.size) + "\n", "no frames here\n",
                                 " unknown_function+0x1/0x2\n"};
  s.annotate(texts);
  EXPECT_NE(texts[0].find("prog.c:"), std::string::npos) << texts[0];
  EXPECT_EQ(texts[1], "no frames here\n");
  EXPECT_EQ(texts[2], " unknown_function+0x1/0x2\n");
  std::string again = s.annotate(texts[0]);
  EXPECT_EQ(again, texts[0]);
}

TEST(Symbolizer, SystemMapNamesBareAddressesOfAFixedKernel) {
  fs::path map = fs::temp_directory_path() / ("famlab-sysmap-" + std::to_string(getpid()));
  write_small_file(map,
                   "ffffffff81000000 T _stext\n"
                   "ffffffff81257000 T vfs_read\n"
                   "ffffffff812570a0 t vfs_write\n"
                   "ffffffff81257200 D some_data\n"  // not code: no bound
                   "ffffffff81258000 T next_function\n");
  Symbolizer fixed({map, true});
  std::string out = fixed.annotate("Call Trace:\n ? 0xffffffff812570cf\n lkdtm_x+0x1/0x2\n");
  EXPECT_NE(out.find(" ? 0xffffffff812570cf (vfs_write+0x2f/0xf60)\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" lkdtm_x+0x1/0x2\n"), std::string::npos) << out;

  Symbolizer relocated({map, false});
  EXPECT_EQ(relocated.annotate(" ? 0xffffffff812570cf\n"), " ? 0xffffffff812570cf\n");
  fs::remove(map);
}

TEST(Symbolizer, MissingSymbolsLeaveTracesAloneAndSayWhy) {
  Symbolizer s({"/nonexistent/vmlinux", true});
  EXPECT_EQ(s.annotate(" foo+0x1/0x2\n"), " foo+0x1/0x2\n");
  EXPECT_NE(s.last_error().find("/nonexistent/vmlinux"), std::string::npos);
}

TEST(Symbolizer, SameNameSymbolsAreToldApartBySize) {
  auto table = parse_symbol_listing(
      "ffffffff81001000 0000000000000040 t show\n"
      "ffffffff81002000 0000000000000080 t show\n"
      "ffffffff81003000 0000000000000010 D data\n"
      "garbage line\n");
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table[1].size, 0x80u);
}

TEST(Symbolizer, Addr2lineOutput) {
  auto m = parse_addr2line_output(
      "0xffffffff81234567\n"
      "helper\n"
      "/b/src/fs/x.h:12\n"
      "outer\n"
      "/b/src/fs/x.c:40 (discriminator 3)\n"
      "0xffffffff81234600\n"
      "??\n"
      "??:0\n");
  ASSERT_EQ(m.size(), 2u);
  const auto& chain = m[0xffffffff81234567ull];
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].function, "helper");
  EXPECT_EQ(chain[0].line, 12);
  EXPECT_EQ(chain[1].file, "/b/src/fs/x.c");
  EXPECT_EQ(chain[1].line, 40);
  EXPECT_TRUE(m[0xffffffff81234600ull].empty());
}

TEST(Symbolizer, PathsInsideTheKernelTree) {
  EXPECT_EQ(kernel_relative_path("/c/kernel-src/famfs+debug/build/../src/fs/fuse/file.c",
                                 "/c/kernel-src/famfs+debug/src/"),
            "fs/fuse/file.c");
  EXPECT_EQ(kernel_relative_path("../src/./mm/slub.c", "../src/"), "mm/slub.c");
  EXPECT_EQ(kernel_relative_path("/elsewhere/x.c", "/c/src/"), "/elsewhere/x.c");
  EXPECT_EQ(kernel_relative_path("./include/generated/x.h", ""), "include/generated/x.h");
}
