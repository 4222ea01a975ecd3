#include "lab/mutate/mutation_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "lab/common/paths.h"

using namespace famlab;
using namespace famlab::mutate;
namespace fs = std::filesystem;

namespace {

struct TomlFile {
  RunDir dir{"famlab-mutfile-"};
  fs::path path;
  explicit TomlFile(const std::string& text) : path(dir.path() / "m.toml") { std::ofstream(path) << text; }
};

const char* kGood = R"(variant = "famfs"

[[mutant]]
id = "strip-div"
patch = "patches/common/0004-x.patch"
line = "addr = r->offset + row * e->chunk + within;"
replace = "addr = r->offset + row * e->chunk;"
class = "interleave"
bug = "drops the offset inside the chunk"

[[mutant]]
id = "same-thing"
patch = "patches/common/0004-x.patch"
line = "u32 s;"
replace = "u64 s;"
class = "bounds"
bug = "a wider loop counter"
equivalent = true
reason = "s never exceeds 16"
)";

std::string all(const std::vector<topology::Diagnostic>& d) {
  std::string s;
  for (const auto& x : d) s += x.str() + "\n";
  return s;
}

}  // namespace

TEST(MutationFile, ReadsEveryField) {
  TomlFile f(kGood);
  MutationFile mf;
  auto diags = parse_mutation_file(f.path, mf);
  ASSERT_TRUE(diags.empty()) << all(diags);
  EXPECT_EQ(mf.variant, "famfs");
  ASSERT_EQ(mf.mutants.size(), 2u);
  const Mutant& m = mf.mutants[0];
  EXPECT_EQ(m.id, "strip-div");
  EXPECT_EQ(m.patch, "patches/common/0004-x.patch");
  EXPECT_EQ(m.line, "addr = r->offset + row * e->chunk + within;");
  EXPECT_EQ(m.replacement, "addr = r->offset + row * e->chunk;");
  EXPECT_EQ(m.klass, "interleave");
  EXPECT_FALSE(m.equivalent);
  EXPECT_EQ(m.where.line, 3);
  EXPECT_TRUE(mf.mutants[1].equivalent);
  EXPECT_EQ(mf.mutants[1].reason, "s never exceeds 16");
}

TEST(MutationFile, EveryProblemNamesTheLineAndTheMutant) {
  TomlFile f(R"(variant = "famfs"

[[mutant]]
id = "a"
patch = "patches/x.patch"
line = "x = 1;"
replace = "x = 1;"
class = "arith"
bug = "b"

[[mutant]]
id = "a"
patch = "../outside.patch"
line = "y;"
replace = "z;"
class = "bounds"
bug = "b"
equivalent = true
colour = "red"

[[mutant]]
id = "bad id!"
line = "y;"
replace = "z;"
class = "bounds"
bug = "b"
)");
  MutationFile mf;
  std::string d = all(parse_mutation_file(f.path, mf));
  EXPECT_NE(d.find(":7:11: mutant a: replace is the same line"), std::string::npos) << d;
  EXPECT_NE(d.find(":8:9: mutant a: unknown class 'arith'"), std::string::npos) << d;
  EXPECT_NE(d.find(":11:1: mutant a: id already used at"), std::string::npos) << d;
  EXPECT_NE(d.find(":13:9: mutant a: patch must be a path inside kernel-config/"), std::string::npos) << d;
  EXPECT_NE(d.find("mutant a: an equivalent mutant needs a reason"), std::string::npos) << d;
  EXPECT_NE(d.find(":19:10: mutant a: unknown key 'colour' (known: id, patch, line, occurrence,"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("mutant bad id!: id may hold only"), std::string::npos) << d;
  EXPECT_NE(d.find("mutant bad id!: missing key 'patch'"), std::string::npos) << d;
}

TEST(MutationFile, TomlSyntaxErrorsAndEmptyFilesAreDiagnosed) {
  TomlFile broken("variant = \"famfs\"\n[[mutant]\n");
  MutationFile mf;
  std::string d = all(parse_mutation_file(broken.path, mf));
  EXPECT_NE(d.find("m.toml:2:"), std::string::npos) << d;
  TomlFile empty("variant = \"famfs\"\n");
  d = all(parse_mutation_file(empty.path, mf));
  EXPECT_NE(d.find("no [[mutant]] tables"), std::string::npos) << d;
  EXPECT_THROW(load_mutation_file(empty.path), Error);
}

TEST(MutationFile, TheShippedFileParses) {
  MutationFile mf;
  auto diags = parse_mutation_file(fs::path(FAMLAB_SOURCE_DIR) / "kernel-config/mutations/famfs.toml", mf);
  EXPECT_TRUE(diags.empty()) << all(diags);
  EXPECT_GE(mf.mutants.size(), 20u);
}
