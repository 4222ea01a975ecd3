#pragma once
// One guest, from its topology to a booted session: plans the VM (QEMU
// command, guest plan), writes the artifacts that reproduce it, makes its
// backend and session, and boots it until the agent says hello. Scenario
// runs (one guest or several) and `famlab shell` all launch guests here.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "lab/plan/qemu_args.h"
#include "lab/report/results.h"
#include "lab/runner/guest_software.h"
#include "lab/scenario/scenario.h"
#include "lab/topology/model.h"
#include "lab/vm/backend.h"
#include "lab/vm/guest_session.h"
#include "lab/vm/qmp_client.h"
#include "protocol/guest_plan.h"

namespace famlab::runner {

struct GuestSetup {
  std::string name;  // "" for the only guest of a scenario
  std::filesystem::path topology_file;
  const GuestSoftware* software = nullptr;
  std::filesystem::path run_dir;    // private to this guest: sockets, its own backing files
  std::filesystem::path artifacts;  // created; the guest's evidence goes here
  bool interactive = false;         // the console is the user's terminal (famlab shell)
  // Device id -> a file this guest shares with others (multi-guest scenarios),
  // and the private directory above run_dir that holds those files.
  std::map<std::string, std::filesystem::path> shared_volatile;
  std::filesystem::path shared_dir;
  // A snapshot's machine state (snapshot_store.h) to resume instead of
  // booting; its directory also holds the boot's logs.
  std::filesystem::path restore_state;
};

// A planned (and, after boot_guest, running) guest. Owns its VM: destroying
// it kills the VM.
struct Guest {
  std::string name;
  topology::Topology topology;
  std::filesystem::path run_dir;  // its private directory (GuestSetup::run_dir)
  plan::QemuPlan qemu;
  protocol::GuestPlan guest_plan;
  std::filesystem::path artifacts;
  std::unique_ptr<vm::Backend> backend;
  std::unique_ptr<vm::GuestSession> session;
  // Its QEMU's monitor, opened once the guest booted; nullptr when it could
  // not be (qmp_problem says why). The exchange goes to qmp.log.
  std::unique_ptr<vm::QmpClient> qmp;
  std::string qmp_problem;

  // "" or " on guest b": how messages name the guest.
  std::string on() const { return name.empty() ? "" : " on guest " + name; }
};

// Makes the backend a guest runs on (direct QEMU, or a libvirt domain named
// after the guest).
using BackendFactory = std::function<std::unique_ptr<vm::Backend>(const GuestSetup&)>;

// Plans the guest and writes qemu-command.sh, guest-plan.json and
// topology.toml into its artifacts. Throws famlab::Error (bad topology,
// unwritable folder).
std::unique_ptr<Guest> plan_guest(const GuestSetup& setup, const BackendFactory& make_backend);

struct BootOutcome {
  report::StepResult step;      // "boot": its time and any splat during boot
  bool infrastructure = false;  // QEMU itself failed (no panic): the lab's problem, not the kernel's
  bool qemu_crashed = false;    // QEMU died of a signal before the hello (see boot_guests_once_more)
};

// One sparse file per shared device of a multi-guest scenario, in `dir`, at
// the device's size: every guest's QEMU then maps this one file.
std::map<std::string, std::filesystem::path> make_shared_memory(const scenario::Scenario& sc,
                                                                const std::filesystem::path& dir);

// Opens the guest's QMP monitor, through whatever its backend offers. Never
// throws: the reason goes to guest.qmp_problem (and qmp.log) instead.
void open_qmp(Guest& guest);

// Starts the VM and waits for the agent's hello, then opens its QEMU's
// monitor (a monitor that cannot be opened fails only the QMP steps).
// Throws vm::HostError when the host (libvirt) failed rather than the guest.
BootOutcome boot_guest(Guest& guest, double timeout_s);

// Boots guests side by side; one outcome per guest, in order. When a host
// failed, every guest is stopped and the vm::HostError is rethrown.
std::vector<BootOutcome> boot_guests(const std::vector<std::unique_ptr<Guest>>& guests, double timeout_s);

// Boots the planned guests side by side. When QEMU itself
// crashed before a hello (it died of a signal with no kernel panic: QEMU
// 10's TCG can abort in iotlb_to_section while a guest's PCI bus is set
// up, rarely, more so under load), every guest is stopped, the crashed
// guests' consoles are kept as serial.qemu-crash.log, and a fresh set is
// planned and booted once more. `retried` says why when that happened; a
// second crash is reported as the boot's error.
struct BootedGuests {
  std::vector<std::unique_ptr<Guest>> guests;
  std::vector<BootOutcome> boots;
  std::string retried;
  std::string snapshot;  // what snapshot_boot.h did, for the terminal; "" for none
};
using PlanGuests = std::function<std::vector<std::unique_ptr<Guest>>()>;
BootedGuests boot_guests_once_more(std::vector<std::unique_ptr<Guest>> guests, const PlanGuests& replan,
                                   double timeout_s);

// Powers every guest off (side by side), killing what does not stop in time.
void shutdown_guests(const std::vector<std::unique_ptr<Guest>>& guests, double timeout_s);

}  // namespace famlab::runner
