#pragma once
// A scenario file as plain data: which topology to boot, on which kernels,
// and the steps to run there with what each must show. The runner
// (runner.h) turns steps into agent requests and judges the replies.
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/units.h"
#include "lab/topology/model.h"

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
  Qmp,              // host: one QMP command to the guest's QEMU, its reply checked
  InjectPoison,     // host: cxl-inject-poison at a device, region or famfs file offset
  PoisonList,       // the guest kernel's CXL poison list, against what was injected
  TraceEvents,      // the guest kernel's trace records (CXL events, AER, RAS)
};

// "bringup", "run", "write_pattern", ...
std::string action_name(Action action);
std::optional<Action> action_from_name(const std::string& name);

// famfs_mount: a file created before the mount and checked through it.
struct FamfsFileSpec {
  std::string name;               // one path component
  uint64_t size = 0;              // non-zero multiple of 4K
  uint32_t strips = 0;            // 0: simple map; 1..16 interleaved
  uint64_t chunk = 0;             // interleave chunk: power of two, multiple of 2M (0: famfs's default)
  std::vector<uint64_t> extents;  // several extents: file bytes each covers (whole 2M); empty: one
  famlab::Location where;
};

// A kernel name written somewhere in a scenario, checked against the
// kernels famlab knows.
struct KernelRef {
  std::string name;
  std::string key;  // "kernels", "expect_famfs", ...
  famlab::Location where;
};

// A place in CXL memory as a scenario names it: an offset on a type-3
// device (its DPA), in a region, or in a famfs file (of the last
// famfs_mount on that region). The host turns each into device + DPA.
struct MemorySpot {
  std::string device;  // device offset: the DPA on this device
  int region = -1;     // region offset, or the region of `file`
  std::string file;    // famfs file offset
  uint64_t offset = 0;
  uint64_t length = 64;  // a multiple of 64 (QEMU's poison granule)
  famlab::Location where;
};

// trace_events: a record that must arrive.
struct ExpectedEvent {
  std::string event;  // "cxl/cxl_general_media"
  // The record's serial must be this device's; with dpa also its DPA, and
  // inside a region the guest built, the HPA the host computes for it.
  std::string device;
  std::optional<uint64_t> dpa;
  std::map<std::string, std::string> fields;  // exact text of these fields
  std::string match;                          // ECMAScript regex over the record
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
  // expect_open_errno: the errno every refused open must carry (EINVAL by
  // default: a malformed map; ENODEV when the map names a device the server
  // does not serve).
  std::string expect_open_errno = "EINVAL";
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
  // Qmp: the command and its arguments (a TOML table, as JSON); `device`
  // names a type-3 device whose QOM path goes into arguments.path.
  // expect_error: the reply must be this QMP error class (otherwise any
  // error fails); expect_return: what the return value must contain
  // (objects: these keys with these values, recursively).
  std::string qmp_command;
  nlohmann::json qmp_arguments = nlohmann::json::object();
  std::string device;
  std::string expect_error;
  std::optional<nlohmann::json> expect_return;
  // InjectPoison: where.
  MemorySpot poison;
  // PoisonList: the records the guest must list, exactly; without it, what
  // the scenario's inject_poison steps injected.
  std::optional<std::vector<MemorySpot>> expect_poison;
  // TraceEvents: events to enable and collect; records that must arrive
  // (waited for up to the step's timeout).
  std::vector<std::string> trace_events;
  std::vector<ExpectedEvent> expect_events;
  famlab::Location where;
  // Where each key is and which values were refused: later checks point at
  // the key and stay quiet about values already reported.
  topology::KeyLocations keys;
  // Every kernel named in expect_famfs, expect_decided_by or expect_data
  // (not "default").
  std::vector<KernelRef> kernel_refs;

  // The famfs expectation for a kernel, if the step states one.
  std::optional<std::string> famfs_expected_on(const std::string& kernel) const;
  // The data-path expectation for a kernel ("dax" | "server"), if any.
  std::optional<std::string> data_expected_on(const std::string& kernel) const;
  // The decided_by a kernel must report, if the step names that kernel.
  // All three look a flavoured kernel ("famfs+debug") up as its variant.
  std::optional<std::string> decided_by_expected_on(const std::string& kernel) const;
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
  std::vector<std::string> kernels;    // empty: any kernel
  std::vector<KernelRef> kernel_refs;  // each of `kernels`, where it is written
  double timeout_s = 300;
  // Run every step even after one failed (a matrix whose cells are
  // independent); by default the first failure skips the rest.
  bool keep_going = false;
  std::vector<Step> steps;
  famlab::Location where;

  // Listed by name, or by variant for a flavoured kernel ("famfs+debug"
  // runs the scenarios of "famfs").
  bool applies_to(const std::string& kernel) const;
  bool multi_guest() const { return guests.size() > 1 || (!guests.empty() && !guests[0].name.empty()); }
  // The guest a step runs on; nullptr for a name the scenario lacks.
  const GuestSpec* guest_of(const Step& step) const;
};

}  // namespace famlab::scenario
