#include "lab/runner/artifacts.h"

#include <fstream>

#include "base/error.h"

namespace fs = std::filesystem;

namespace famlab::runner {

std::string shell_command(const std::vector<std::string>& argv) {
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    bool plain = !a.empty() && a.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                   "-_./=,:+@%") == std::string::npos;
    if (i) out += (a.starts_with("-") ? " \\\n  " : " ");
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out + "\n";
}

void write_artifact(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error(Location{(dir / name).string()}, "cannot write artifact");
}

void copy_artifact(const fs::path& dir, const std::string& name, const fs::path& from) {
  if (from.empty() || !fs::exists(from)) return;
  fs::create_directories(dir);
  fs::copy_file(from, dir / name, fs::copy_options::overwrite_existing);
}

std::string artifact_dir_name(const std::string& scenario, const std::string& kernel) {
  std::string k = fs::path(kernel).filename().string();
  std::string name = scenario + "-" + (k.empty() ? "kernel" : k);
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  return name;
}

}  // namespace famlab::runner
