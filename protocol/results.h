#pragma once
// What each agent operation answers, as typed structs: the agent fills one,
// `encode` puts it into the Finished message's `result`, and the host reads
// it back with `decode_*`. Both sides compile this one file, so a field that
// one side writes and the other reads has one spelling; a decoder throws
// std::invalid_argument naming the field that is missing or of the wrong
// type, never a silent default.
//
//   op            result
//   bringup       BringupResult   (the guest's view, and how it differs from the plan)
//   exec          none            (the exit code travels in Finished.exit)
//   write/verify  PatternResult
//   dmesg         DmesgResult     (the log itself streams as output)
//   shell         ShellResult
//   famfs_mount   FamfsMountResult
//   poison_list   PoisonListResult
//   trace_events  TraceEventsResult
//   dax_mode      DaxModeChange
//   poweroff      none
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/famfs_status.h"

namespace famlab::protocol {

// ---- bringup: the guest as sysfs shows it --------------------------------------

struct DaxView {
  std::string name;  // dax0.0
  std::string path;  // /dev/dax0.0
  uint64_t size = 0;
  uint64_t align = 0;
  std::string mode;  // devdax | system-ram | unbound
  // Guest side only (not sent): the /dev node exists.
  bool path_exists = false;
};

struct MemdevView {
  std::string name;
  uint64_t serial = 0;
  uint64_t ram_size = 0;
  uint64_t pmem_size = 0;
};

struct RegionView {
  int index = 0;     // the planned region it was built for
  std::string name;  // region0
  uint64_t size = 0;
  uint32_t ways = 0;
  uint32_t granularity = 0;
  uint64_t resource = 0;
  std::vector<std::string> targets;      // memdev names in position order
  std::vector<uint64_t> target_serials;  // the same, by serial
  std::optional<DaxView> dax;
};

struct PmemView {
  int index = 0;
  std::string ns;  // namespace0.0
  uint64_t start = 0;
  std::optional<DaxView> dax;
};

struct GuestView {
  std::vector<MemdevView> memdevs;
  std::vector<RegionView> regions;
  std::vector<PmemView> pmem;
};

struct BringupResult {
  GuestView view;
  std::vector<std::string> mismatches;  // plan vs guest, in words; empty = as planned
};

// ---- dax devices moved between drivers ------------------------------------------

struct DaxModeChange {
  std::string device;         // dax0.0
  std::string driver_before;  // "device_dax", "famfs_dax", "" (unbound)
  std::string driver;         // bound now
  std::string mode;           // "famfs" | "devdax"
  bool changed = false;
  std::string why;  // when nothing could change (e.g. no famfs_dax in this kernel)
};

// ---- write_pattern / verify_pattern ----------------------------------------------

struct PatternResult {
  std::string dax;  // the device written or read
  uint64_t bytes = 0;
  double seconds = 0;
  double mb_per_s = 0;
  uint64_t mismatches = 0;                 // words that differ (verify)
  std::vector<uint64_t> first_mismatches;  // their offsets, the first few
  std::optional<DaxModeChange> dax_mode;   // set when the device had to go back to device_dax
};

// ---- dmesg, shell -------------------------------------------------------------------

struct DmesgResult {
  uint64_t bytes = 0;
};

// ---- resume -------------------------------------------------------------------------

struct ResumeResult {
  std::string kernel;       // uname -r, as the hello says it
  double uptime = 0;        // guest uptime after the resume
  bool reseeded = false;    // entropy credited and the CRNG reseeded
  double clock_step_s = 0;  // how far the clock was set forward (the snapshot's age)
  // The CXL host bridges whose PCI devices were removed and found again
  // (QEMU does not migrate the CXL devices' state), and the memdevs bound
  // afterwards.
  std::vector<std::string> host_bridges;
  int memdevs = 0;
  double reprobe_seconds = 0;
};

struct ShellResult {
  std::string console;
  int64_t pid = 0;
};

// ---- famfs_mount --------------------------------------------------------------------

// One file checked through the mount (see harness/agent/famfs_file_check.h).
struct FamfsFileResult {
  std::string name;
  uint64_t size = 0;
  uint64_t seed = 0;
  // The map `famfs getmap --json` printed before the mount (famfs's own JSON
  // form, read by famfs/format/file_map_json on the host).
  nlohmann::json map;
  bool ok = false;  // every check passed
  int open_errno = 0;
  std::string open_errno_name;  // EINVAL, ...
  std::string open_error;       // the whole message
  bool dax = false;             // statx: STATX_ATTR_DAX set
  bool dax_known = false;       // statx: the attribute is in the mask
  bool write_ok = false;
  bool read_ok = false;
  bool pread_ok = false;
  uint64_t pread_checks = 0;
  bool mmap_ok = false;
  std::vector<std::string> problems;
};

struct FamfsMountResult {
  std::optional<DaxModeChange> dax_mode;
  std::string mount_command;
  std::string mount_output;
  // Why the files could not be made or mounted ("" when they were).
  std::string setup_error;
  bool data_ok = false;
  std::vector<FamfsFileResult> files;
  std::optional<FamfsStatus> status;  // what the server recorded
  bool kernel_report = false;         // the kernel's fusectl famfs file was there
  bool famfs_enabled = false;         // ... and said enabled=1
};

// ---- trace_events: what the guest kernel traced (tracefs) ------------------------------

// One trace record, e.g. "cxl_general_media: memdev=mem0 ... dpa=1000 ...".
struct TraceEvent {
  std::string event;     // "cxl/cxl_general_media": system/name as enabled
  double timestamp = 0;  // the trace clock (seconds since boot)
  int cpu = 0;
  std::string task;  // "kworker/u8:2-45"
  // key=value and key: 'value' pairs of the printed record, quotes removed
  // ("dpa" -> "1000", "log" -> "Informational").
  std::map<std::string, std::string> fields;
  std::string text;  // the record as the kernel printed it, after "name: "
};

struct TraceEventsResult {
  std::string tracefs;                 // where it is mounted
  std::vector<std::string> enabled;    // turned on by this request (they were off)
  std::vector<std::string> missing;    // asked for, but not in this kernel
  std::vector<TraceEvent> events;      // what was traced of the asked-for events, in order
  bool complete = false;               // every awaited record arrived in time
  std::map<std::string, int> awaited;  // what was waited for
};

// ---- poison_list: the CXL poison list as the guest kernel reports it -------------------

// One cxl_poison record of trace_type List (after trigger_poison_list).
struct PoisonRecord {
  std::string memdev;  // mem0
  std::string host;    // 0000:0d:00.0
  uint64_t serial = 0;
  std::string region;           // "" when the DPA is in no committed region
  std::optional<uint64_t> hpa;  // the kernel's DPA -> HPA translation (in a region only)
  uint64_t dpa = 0;
  uint64_t length = 0;
  std::string source;  // Unknown | External | Internal | Injected | Vendor
  std::string flags;   // More | Overflow | Scanning ("" none)
};

struct PoisonListResult {
  std::vector<std::string> triggered;  // memdevs whose trigger_poison_list was written
  std::vector<PoisonRecord> records;
};

// Encoders: the JSON that travels in Finished.result.
nlohmann::json encode(const BringupResult& r);
nlohmann::json encode(const DaxModeChange& r);
nlohmann::json encode(const PatternResult& r);
nlohmann::json encode(const DmesgResult& r);
nlohmann::json encode(const ShellResult& r);
nlohmann::json encode(const ResumeResult& r);
nlohmann::json encode(const FamfsFileResult& r);
nlohmann::json encode(const FamfsMountResult& r);
nlohmann::json encode(const DaxView& v);
nlohmann::json encode(const TraceEvent& e);
nlohmann::json encode(const TraceEventsResult& r);
nlohmann::json encode(const PoisonRecord& r);
nlohmann::json encode(const PoisonListResult& r);

// Decoders: throw std::invalid_argument("<what>: field 'x' is missing").
BringupResult decode_bringup_result(const nlohmann::json& j);
DaxModeChange decode_dax_mode_change(const nlohmann::json& j);
PatternResult decode_pattern_result(const nlohmann::json& j);
DmesgResult decode_dmesg_result(const nlohmann::json& j);
ShellResult decode_shell_result(const nlohmann::json& j);
ResumeResult decode_resume_result(const nlohmann::json& j);
FamfsFileResult decode_famfs_file_result(const nlohmann::json& j);
FamfsMountResult decode_famfs_mount_result(const nlohmann::json& j);
TraceEventsResult decode_trace_events_result(const nlohmann::json& j);
PoisonListResult decode_poison_list_result(const nlohmann::json& j);

}  // namespace famlab::protocol
