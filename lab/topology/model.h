#pragma once
// The machine a topology file describes, as plain data. Parsing fills it,
// validation judges it, the planners (lab/plan) turn it into QEMU arguments
// and a guest plan. Every part remembers where it was written so a later
// check can still point at the right line.
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/units.h"

namespace famlab::topology {

// Where a table and each of its keys sit in the file, and which of its
// values can be trusted by later checks.
struct KeyLocations {
  famlab::Location table;
  std::map<std::string, famlab::Location> keys;
  // Keys whose value was refused (reported already); a default stands in.
  std::set<std::string> rejected;
  // The table had keys nobody understood (a misspelt key): a default may
  // stand where the file meant a value.
  bool incomplete = false;

  // The key's location, else the table's (a default value has no line).
  famlab::Location of(const std::string& key) const;
  // Whether the model holds what the file meant for `key`: given and
  // accepted, or left out of a table that was fully understood. A check
  // built on an unreliable value would only repeat an error already
  // reported, in a misleading form.
  bool reliable(const std::string& key) const;
};

struct Machine {
  uint64_t memory = 2 * GiB;
  uint64_t maxmem = 8 * GiB;  // > memory: gives the CXL window its own NUMA node
  int cpus = 2;
  famlab::Location where;
  KeyLocations keys;
};

struct HostBridge {
  std::string id;
  int root_ports = 1;  // ports "<id>.rp0" .. "<id>.rp<N-1>"
  famlab::Location where;
  KeyLocations keys;
};

// One level only, below a root port.
struct Switch {
  std::string id;
  std::string upstream;      // a root port, e.g. "hb0.rp0"
  int downstream_ports = 1;  // ports "<id>.dp0" .. "<id>.dp<N-1>"
  famlab::Location where;
  KeyLocations keys;
};

// A CXL type-3 memory device.
struct Device {
  std::string id;
  std::string port;  // a root port or a switch downstream port
  uint64_t volatile_size = 0;
  uint64_t persistent_size = 0;
  uint64_t lsa_size = 0;     // label storage area; 1M by default when persistent
  bool file_backed = false;  // volatile capacity in a run-dir file the host can read
  uint64_t serial = 0;       // how the guest finds the device: memN names are not stable
  famlab::Location where;
  KeyLocations keys;
};

// A CXL fixed memory window (CFMWS), interleaved across host bridges.
struct Window {
  int index = 0;
  std::vector<std::string> targets;  // host bridge ids; position K = targets[K]
  uint64_t size = 4 * GiB;
  uint32_t granularity = 256;  // QEMU's default
  famlab::Location where;
  KeyLocations keys;
};

struct Region {
  int index = 0;
  int window = 0;
  std::vector<std::string> devices;  // in interleave position order
  uint32_t granularity = 0;          // defaults to the window's
  std::string type = "ram";          // "ram" (volatile) | "pmem" (persistent)
  std::string mode = "devdax";       // "devdax" | "system-ram"
  uint64_t size = 0;                 // ways x each member's capacity of `type`
  famlab::Location where;
  KeyLocations keys;
};

// memmap=SIZE!START emulated pmem, turned into a devdax namespace.
struct Pmem {
  uint64_t start = 0;
  uint64_t size = 0;
  famlab::Location where;
  KeyLocations keys;
};

struct Topology {
  std::string name;
  std::filesystem::path file;
  Machine machine;
  std::vector<HostBridge> host_bridges;
  std::vector<Switch> switches;
  std::vector<Device> devices;
  std::vector<Window> windows;
  std::vector<Region> regions;
  std::vector<Pmem> pmem;
  famlab::Location where;
  KeyLocations keys;
};

}  // namespace famlab::topology
