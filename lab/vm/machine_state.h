#pragma once
// A guest's whole machine state in a file, through QEMU's own migration to a
// file ("file:" URI) and its -incoming side: what snapshots
// (lab/runner/snapshot_boot.h) are made of.
#include <cstdint>
#include <filesystem>
#include <functional>

#include "lab/vm/qmp_client.h"

namespace famlab::vm {

struct SavedState {
  uint64_t bytes = 0;
  double seconds = 0;
};

// Pauses the guest, writes its state to `file` and lets it run on, so the
// guest it was taken from goes on as if nothing happened. The state is that
// of a paused machine: a QEMU restoring it waits for start_restored().
// Throws Error (QEMU's reason, or the timeout); the guest is resumed even
// then. `while_stopped`, when given, runs once the guest is paused and
// before its state is written: what the guest sent before that moment, and
// only that, belongs with the state.
SavedState save_machine_state(QmpClient& qmp, const std::filesystem::path& file, double timeout_s,
                              const std::function<void()>& while_stopped = {});

// For a QEMU started with -incoming: waits until it has loaded the state,
// then starts the guest. Returns the seconds it waited. Throws Error with
// QEMU's reason when the load failed, or on the timeout.
double start_restored(QmpClient& qmp, double timeout_s);

}  // namespace famlab::vm
