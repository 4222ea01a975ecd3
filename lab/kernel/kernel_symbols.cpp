#include "lab/kernel/kernel_symbols.h"

#include <system_error>

#include "lab/kernel/config_check.h"

namespace fs = std::filesystem;

namespace famlab::kernel {
namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::is_regular_file(p, ec);
}

}  // namespace

SymbolFile find_symbols(const fs::path& image) {
  fs::path dir = image.parent_path();
  std::string name = image.filename().string();
  // Debian names its files after the release: vmlinuz-R, System.map-R, config-R.
  std::string release = name.rfind("vmlinuz-", 0) == 0 ? name.substr(8) : "";
  // arch/x86/boot/bzImage of a built tree.
  fs::path tree = dir.filename() == "boot" && dir.parent_path().filename() == "x86"
                      ? dir.parent_path().parent_path().parent_path()
                      : fs::path();

  std::vector<fs::path> vmlinux = {dir / "vmlinux"};
  std::vector<fs::path> maps = {dir / "System.map"};
  std::vector<fs::path> configs = {dir / "config"};
  if (!release.empty()) {
    vmlinux.push_back(dir.parent_path() / "usr" / "lib" / "debug" / "boot" / ("vmlinux-" + release));
    vmlinux.push_back(fs::path("/usr/lib/debug/boot") / ("vmlinux-" + release));
    maps.push_back(dir / ("System.map-" + release));
    configs.push_back(dir / ("config-" + release));
  }
  if (!tree.empty()) {
    vmlinux.push_back(tree / "vmlinux");
    maps.push_back(tree / "System.map");
    configs.push_back(tree / ".config");
  }

  SymbolFile out;
  for (const auto& p : vmlinux)
    if (out.path.empty() && is_file(p)) out.path = p;
  for (const auto& p : maps)
    if (out.path.empty() && is_file(p)) out.path = p;
  for (const auto& c : configs) {
    if (!is_file(c)) continue;
    try {
      auto config = parse_config(c);
      auto it = config.find("CONFIG_RANDOMIZE_BASE");
      out.fixed_addresses = it == config.end() || it->second != "y";
    } catch (const std::exception&) {
      out.fixed_addresses = false;
    }
    break;
  }
  return out;
}

}  // namespace famlab::kernel
