#include "lab/vm/machine_state.h"

#include <chrono>
#include <thread>

#include "base/error.h"

namespace famlab::vm {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void must(const QmpReply& r, const std::string& what) {
  if (!r.ok()) throw Error(what + ": " + r.error->desc);
}

// query-migrate until it says completed; throws on failed or the timeout.
void await_migration(QmpClient& qmp, const std::string& what, Clock::time_point deadline) {
  for (;;) {
    QmpReply r = qmp.execute("query-migrate");
    must(r, what);
    std::string status = r.value->value("status", "");
    if (status == "completed") return;
    if (status == "failed" || status == "cancelled")
      throw Error(what + " " + status + ": " + r.value->value("error-desc", "QEMU gave no reason"));
    if (Clock::now() >= deadline) throw Error(what + " did not complete in time (status '" + status + "')");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

SavedState save_machine_state(QmpClient& qmp, const std::filesystem::path& file, double timeout_s,
                              const std::function<void()>& while_stopped) {
  auto t0 = Clock::now();
  auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  must(qmp.execute("stop"), "stopping the guest for its snapshot");
  SavedState out;
  try {
    if (while_stopped) while_stopped();
    must(qmp.execute("migrate", {{"uri", "file:" + file.string()}}), "saving the machine state");
    await_migration(qmp, "saving the machine state", deadline);
  } catch (const Error&) {
    qmp.execute("cont");
    throw;
  }
  must(qmp.execute("cont"), "resuming the guest after its snapshot");
  out.seconds = since(t0);
  std::error_code ec;
  out.bytes = std::filesystem::file_size(file, ec);
  return out;
}

double start_restored(QmpClient& qmp, double timeout_s) {
  auto t0 = Clock::now();
  try {
    await_migration(
        qmp, "loading the machine state",
        t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)));
  } catch (const QmpTransportError& e) {
    // A state QEMU cannot load makes it exit: the monitor closes.
    throw Error(std::string("loading the machine state: ") + e.what());
  }
  must(qmp.execute("cont"), "starting the restored guest");
  return since(t0);
}

}  // namespace famlab::vm
