#include "lab/runner/output_artifacts.h"

#include <set>
#include <sstream>

#include "lab/runner/artifacts.h"

namespace famlab::runner {
namespace {

constexpr const char* kBegin = "famlab-artifact-begin ";
constexpr const char* kEnd = "famlab-artifact-end ";
constexpr size_t kMaxFiles = 100;
constexpr size_t kMaxBytes = 1 << 20;

bool good_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

}  // namespace

OutputArtifacts find_output_artifacts(const std::string& output) {
  OutputArtifacts out;
  std::istringstream in(output);
  std::string line, name, text;
  bool inside = false;
  std::set<std::string> names;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!inside) {
      if (line.rfind(kBegin, 0) != 0) continue;
      name = line.substr(std::string(kBegin).size());
      text.clear();
      inside = true;
      continue;
    }
    if (line != kEnd + name) {
      text += line + "\n";
      continue;
    }
    inside = false;
    if (!good_name(name))
      out.problems.push_back("artifact '" + name +
                             "': not a plain file name ([A-Za-z0-9._-], no leading dot)");
    else if (!names.insert(name).second)
      out.problems.push_back("artifact '" + name + "' given twice");
    else if (text.size() > kMaxBytes)
      out.problems.push_back("artifact '" + name + "' is larger than 1 MiB");
    else if (out.files.size() >= kMaxFiles)
      out.problems.push_back("more than " + std::to_string(kMaxFiles) + " artifacts; '" + name + "' dropped");
    else
      out.files.push_back({name, text});
  }
  if (inside)
    out.problems.push_back("artifact '" + name + "' has no end line (famlab-artifact-end " + name + ")");
  return out;
}

std::vector<std::filesystem::path> write_output_artifacts(const std::filesystem::path& dir,
                                                          const std::vector<OutputArtifact>& files) {
  std::vector<std::filesystem::path> written;
  for (const auto& f : files) {
    write_artifact(dir, f.name, f.text);
    written.push_back(dir / f.name);
  }
  return written;
}

}  // namespace famlab::runner
