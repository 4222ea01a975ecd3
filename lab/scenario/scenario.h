#pragma once
// A scenario file as plain data: which topology to boot, on which kernels,
// and the steps to run there with what each must show. The runner
// (runner.h) turns steps into agent requests and judges the replies.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/units.h"

namespace famlab::scenario {

enum class Action {
  Bringup,          // build the topology's regions and devdax devices in the guest
  Run,              // run a shell command in the guest
  WritePattern,     // write the offset-tagged pattern through a region's dax device
  VerifyPattern,    // read it back in the guest
  CheckPlacement,   // host side: find it in the backing files where the interleave puts it
  Dmesg,            // the guest kernel log
  FamfsMount,       // famfs on a region's dax device, mounted by our server with famfs_args
  Join,             // wait for a background step to end (multi-guest: producer and consumer)
  DaxMode,          // bind a region's dax device to famfs_dax ("famfs") or device_dax ("devdax")
  BackingChecksum,  // host side: sha256 of the guest's type-3 backing files (shared ones too)
};

// "bringup", "run", "write_pattern", ...
std::string action_name(Action action);
std::optional<Action> action_from_name(const std::string& name);

// famfs_mount: a file created before the mount and checked through it.
struct FamfsFileSpec {
  std::string name;     // one path component
  uint64_t size = 0;    // non-zero multiple of 4K
  uint32_t strips = 0;  // 0: simple map; 1..16 interleaved
  uint64_t chunk = 0;   // interleave chunk: power of two, multiple of 2M (0: famfs's default)
  famlab::Location where;
};

struct Step {
  std::string name;
  Action action = Action::Run;
  std::string command;  // Run: given to /bin/sh -c
  int expect_exit = 0;  // Run
  // ECMAScript regexes (validated at load) searched in the output: Run and Dmesg.
  std::vector<std::string> expect_output, reject_output;
  int region = 0;            // patterns and placement: topology region index
  uint64_t bytes = 1 * MiB;  // patterns; CheckPlacement and VerifyPattern take the last write's
  uint64_t seed = 1;         // likewise
  double timeout_s = 60;
  // FamfsMount: extra `famfs mount` options, and what each kernel must
  // decide: expect_famfs maps a kernel name (or "default") to "on", "off"
  // or "not-offered"; expect_decided_by maps a kernel name to the fusectl
  // decided_by value (which task's capability decided).
  std::vector<std::string> famfs_args;
  std::map<std::string, std::string> expect_famfs;
  std::map<std::string, std::string> expect_decided_by;
  // FamfsMount data path: files to create and check (empty: the probe of
  // `bytes`); expect_data maps a kernel (or "default") to "dax" (no READ or
  // WRITE reached the server, statx says DAX) or "server" (READ did);
  // expect_open_error: every file's open must fail cleanly (malformed maps);
  // check_placement: the host finds every word of every file in the backing
  // files where famfs and then CXL interleave put it.
  std::vector<FamfsFileSpec> files;
  // famfs_role = "client": the famfs is another guest's (its master made
  // it with these files and this seed): mount it as a client and check the
  // files read-only; expect_same_maps_as names the master's famfs_mount
  // step, whose maps this guest must see exactly.
  std::string famfs_role;
  std::string expect_same_maps_as;
  std::map<std::string, std::string> expect_data;
  bool expect_open_error = false;
  bool check_placement = false;
  // Which guest runs the step (a [[guest]] name; the first guest when the
  // scenario has one guest or the step says nothing). `guest = "*"` in the
  // file expands into one step per guest, named "<name>@<guest>".
  std::string guest;
  // Started and left running while the next steps go on (on other guests);
  // a later `join` step (or the end of the scenario) waits for it.
  bool background = false;
  std::string join;            // Join: the background step to wait for
  std::string dax_mode;        // DaxMode: "famfs" | "devdax"
  std::string expect_same_as;  // BackingChecksum: an earlier checksum step the files must still match
  famlab::Location where;

  // The famfs expectation for a kernel, if the step states one.
  std::optional<std::string> famfs_expected_on(const std::string& kernel) const;
  // The data-path expectation for a kernel ("dax" | "server"), if any.
  std::optional<std::string> data_expected_on(const std::string& kernel) const;
};

// One guest of a scenario: a name steps refer to, and its topology.
struct GuestSpec {
  std::string name;                     // "a"; "" for a single-guest scenario (topology = ...)
  std::filesystem::path topology_file;  // resolved against the scenario's folder
  famlab::Location where;
};

struct Scenario {
  std::string name, description;
  std::filesystem::path file;
  std::filesystem::path topology_file;  // the first guest's (reports name it)
  // At least one. A file with `topology = "..."` has one unnamed guest; one
  // with [[guest]] tables has those, booted side by side.
  std::vector<GuestSpec> guests;
  // Type-3 device ids whose memory every guest that has them shares: one
  // backing file (memory-backend-file,share=on) instead of one per guest.
  std::vector<std::string> shared_devices;
  // Shared devices must sit in regions every guest builds the same way
  // (same members, order, ways, granularity) unless this says otherwise.
  bool allow_different_views = false;
  std::vector<std::string> kernels;  // empty: any kernel
  double timeout_s = 300;
  // Run every step even after one failed (a matrix whose cells are
  // independent); by default the first failure skips the rest.
  bool keep_going = false;
  std::vector<Step> steps;
  famlab::Location where;

  bool applies_to(const std::string& kernel) const;
  bool multi_guest() const { return guests.size() > 1 || (!guests.empty() && !guests[0].name.empty()); }
  // The guest a step runs on; nullptr for a name the scenario lacks.
  const GuestSpec* guest_of(const Step& step) const;
};

}  // namespace famlab::scenario
