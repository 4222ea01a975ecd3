#pragma once
// Test helper: a tiny but real module tree. The .ko files are plain ELF
// objects with a .modinfo section and exported-symbol strings, which is all
// depmod and libkmod look at: mod_b uses a symbol mod_a exports, and
// builtin_c is listed in modules.builtin. mod_a is xz-compressed, as
// Debian ships its modules.
#include <filesystem>
#include <fstream>
#include <string>

#include "base/process.h"

namespace famlab::image::test_support {

inline void compile_module(const std::filesystem::path& ko, const std::string& source) {
  std::filesystem::path c = ko.string() + ".c";
  std::ofstream(c) << source;
  run_checked({"gcc", "-c", "-x", "c", c.string(), "-o", ko.string()}, "compile test module");
  std::filesystem::remove(c);
}

// Returns <root>/lib/modules/<release>, indexed by the real depmod.
inline std::filesystem::path make_module_tree(const std::filesystem::path& root, const std::string& release) {
  namespace fs = std::filesystem;
  fs::path dir = root / "lib" / "modules" / release;
  fs::create_directories(dir / "kernel" / "drivers" / "test");
  compile_module(dir / "kernel" / "drivers" / "test" / "mod_a.ko",
                 "__attribute__((section(\".modinfo\"), used)) static const char n[] = \"name=mod_a\";\n"
                 "__attribute__((section(\"__ksymtab_strings\"), used)) static const char k[] = \"a_fn\";\n"
                 "int a_fn(void) { return 1; }\n");
  compile_module(dir / "kernel" / "drivers" / "test" / "mod_b.ko",
                 "__attribute__((section(\".modinfo\"), used)) static const char n[] = \"name=mod_b\";\n"
                 "extern int a_fn(void);\nint b_fn(void) { return a_fn(); }\n");
  compile_module(
      dir / "kernel" / "drivers" / "test" / "mod_unused.ko",
      "__attribute__((section(\".modinfo\"), used)) static const char n[] = \"name=mod_unused\";\n");
  run_checked({"xz", (dir / "kernel" / "drivers" / "test" / "mod_a.ko").string()}, "xz test module");
  std::ofstream(dir / "modules.order") << "kernel/drivers/test/mod_a.ko\nkernel/drivers/test/mod_b.ko\n"
                                          "kernel/drivers/test/mod_unused.ko\n";
  std::ofstream(dir / "modules.builtin") << "kernel/drivers/test/builtin_c.ko\n";
  std::ofstream(dir / "modules.builtin.modinfo") << "";
  run_checked({"depmod", "-b", root.string(), release}, "depmod for the test module tree");
  return dir;
}

}  // namespace famlab::image::test_support
