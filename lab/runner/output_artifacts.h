#pragma once
// Files a run step hands to the host through its output: a guest tool
// prints
//
//   famlab-artifact-begin NAME
//   ...the file's lines...
//   famlab-artifact-end NAME
//
// and the host keeps NAME in the scenario's artifacts, in a folder named
// after the step (the map fuzzer saves a failing map this way). NAME is one
// path component of [A-Za-z0-9._-], not starting with a dot.
#include <filesystem>
#include <string>
#include <vector>

namespace famlab::runner {

struct OutputArtifact {
  std::string name;
  std::string text;
};

struct OutputArtifacts {
  std::vector<OutputArtifact> files;
  std::vector<std::string> problems;  // blocks that could not be taken, and why
};

OutputArtifacts find_output_artifacts(const std::string& output);

// Writes them to dir (created when there is something to write); returns
// the paths written. Throws famlab::Error naming a file it cannot write.
std::vector<std::filesystem::path> write_output_artifacts(const std::filesystem::path& dir,
                                                          const std::vector<OutputArtifact>& files);

}  // namespace famlab::runner
