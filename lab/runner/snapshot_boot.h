#pragma once
// Boot once, fork many. A scenario with one guest on the direct QEMU
// backend starts from a snapshot of the same machine (snapshot_key.h) taken
// right after an earlier boot's hello, instead of booting:
//  - QEMU loads the state (-incoming) and the guest runs on from its hello;
//  - the agent is told it was restored (protocol Op::Resume): it reseeds the
//    kernel's CRNG with the host's fresh bytes, sets the clock, and finds
//    the CXL hardware again, whose state QEMU 10.0 does not migrate
//    (harness/agent/resume.h);
//  - the logs of the boot the snapshot was taken after open this run's
//    serial.log and dmesg.log.
// Each restored QEMU gets its own backing files in its own run directory;
// the migration stream carries their contents (zero at the hello).
// With no snapshot yet, the guest boots cold and, when its boot passed
// cleanly, a snapshot is taken (the guest runs on). A damaged snapshot, or
// one that fails to restore, is never trusted: it is removed (a failed
// restore is remembered in <key>.failed so the key is not tried again), the
// guest boots cold, and the boot step says why.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lab/report/results.h"
#include "lab/runner/launch.h"
#include "lab/runner/snapshot_key.h"
#include "lab/runner/snapshot_store.h"

namespace famlab::runner {

// Plans the scenario's guests afresh: cold (empty path) or restoring a
// state.
using PlanGuestsWith =
    std::function<std::vector<std::unique_ptr<Guest>>(const std::filesystem::path& restore)>;

// What goes into a planned guest's snapshot key; `qemu_binary` is the QEMU
// that will run it.
SnapshotKeyInputs snapshot_key_inputs(const Guest& guest, const std::filesystem::path& qemu_binary);

// Boots the planned (cold) guests: from a snapshot instead when `store` is
// set, there is one guest and a snapshot for it (`plan` then plans it again,
// restoring), else as boot_guests_once_more does, taking a snapshot
// afterwards when `store` is set. With a store, every boot step's data gets
// a "snapshot" object saying which happened.
BootedGuests boot_with_snapshots(std::vector<std::unique_ptr<Guest>> guests, const PlanGuestsWith& plan,
                                 SnapshotStore* store, const std::filesystem::path& qemu_binary,
                                 double timeout_s);

// The snapshot (short key) a scenario's guest was restored from, read from
// its boot step's "snapshot" object; empty when it booted cold.
std::string restored_snapshot(const report::ScenarioResult& result);

}  // namespace famlab::runner
