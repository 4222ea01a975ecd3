#pragma once
// What a run found, as plain data. The scenario runner fills it in; the
// writers (terminal, junit, json) only read it.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace famlab::report {

enum class Status { Passed, Failed, Error, Skipped };
const char* to_string(Status s);

struct KernelSplat {
  std::string kind;
  std::string title;
  std::string text;
};

struct StepResult {
  std::string name;
  std::string action;
  Status status = Status::Skipped;
  double seconds = 0;
  std::string output;               // what the step printed (guest or host)
  std::string message;              // why it failed: where and what
  std::vector<KernelSplat> splats;  // kernel splats while it ran
  nlohmann::json data;              // action facts: guest view, bandwidth...
  std::string guest;                // multi-guest scenarios: the guest it ran on
};

struct ScenarioResult {
  std::string name;
  std::string file;
  std::string kernel;  // kernel name as asked: plain, stock, path
  std::string kernel_release;
  std::string topology;
  std::vector<std::string> guests;    // multi-guest scenarios: "name (topology)" per guest
  std::string backend;                // "qemu" or "libvirt"
  std::string host;                   // libvirt: the URI of the host that ran it ("" for qemu)
  std::string domain;                 // libvirt: the domain's name (several guests: "a-domain, b-domain")
  std::vector<std::string> attempts;  // hosts that could not run it before this one: "URI: why"
  Status status = Status::Skipped;
  double seconds = 0;
  double boot_to_ready = 0;  // host seconds from VM start to devdax ready
  std::string message;       // first failure, or the infrastructure error
  std::filesystem::path artifacts;
  std::vector<StepResult> steps;
};

// A host of the libvirt pool, as the run saw it.
struct HostSummary {
  std::string uri;
  int slots = 1;
  std::string down;                    // why it was taken out of the pool ("" = it stayed up)
  std::vector<std::string> scenarios;  // "name [kernel]" it ran, in order
};

struct RunResult {
  std::vector<ScenarioResult> scenarios;
  std::vector<HostSummary> hosts;  // libvirt only
  double seconds = 0;
  std::string started_at;  // ISO 8601 UTC
  // 0 all passed (or skipped), 1 a scenario failed, 2 an infrastructure error.
  int exit_code() const;
};

}  // namespace famlab::report
