#include "lab/runner/scenario_run.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "lab/runner/step_executor.h"
#include "lab/vm/interrupt.h"

namespace famlab::runner {
namespace {

using report::Status;
using scenario::Action;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// One guest as the loop sees it.
struct GuestState {
  Guest* guest = nullptr;
  std::unique_ptr<StepContext> ctx;
  bool alive = true;
  std::string busy_with;  // the background step it is running ("" = free)
};

// A background step: its thread and, once joined, its outcome.
struct Background {
  size_t index = 0;  // the step's place in the scenario
  GuestState* state = nullptr;
  std::thread thread;
  StepOutcome outcome;
};

class StepLoop {
 public:
  StepLoop(const StepLoopInput& in, report::Terminal& term)
      : in_(in), term_(term), results_(in.scenario.steps.size()) {
    for (Guest* g : in.guests) {
      GuestState& s = states_[g->name];
      s.guest = g;
      s.ctx = std::make_unique<StepContext>(
          StepContext{*g->session, g->topology, g->qemu, g->guest_plan, in.kernel, written_, 1e9,
                      [this](const std::string& name) { return result_named(name); }});
    }
  }

  StepLoopResult run() {
    const auto& steps = in_.scenario.steps;
    for (size_t i = 0; i < steps.size(); ++i) {
      const scenario::Step& step = steps[i];
      if (step.action == Action::Join) {
        join_step(i, step);
        continue;
      }
      GuestState& gs = state_of(step);
      if (auto why = skip_reason(gs)) {
        skip(i, step, *why);
        continue;
      }
      gs.ctx->time_left_s = in_.scenario.timeout_s - since(in_.started);
      if (step.background) {
        auto bg = std::make_unique<Background>();
        bg->index = i;
        bg->state = &gs;
        gs.busy_with = step.name;
        Background* raw = bg.get();
        bg->thread = std::thread([raw, &step] { raw->outcome = execute_step(step, *raw->state->ctx); });
        running_[step.name] = std::move(bg);
        term_.info("   .. " + step.name + display_guest(gs) + " started in the background");
        continue;
      }
      StepOutcome o = execute_step(step, *gs.ctx);
      watch_idle_guests(o.result, &gs);
      finish(i, step, gs, std::move(o));
    }
    // Background steps nobody joined end with the scenario.
    for (auto& [name, bg] : running_) collect(*bg);
    running_.clear();
    StepLoopResult out;
    for (auto& r : results_) out.steps.push_back(std::move(*r));
    out.status = worst_;
    out.message = message_;
    out.ready_at = ready_at_;
    return out;
  }

 private:
  GuestState& state_of(const scenario::Step& step) {
    auto it = states_.find(step.guest);
    if (it == states_.end()) it = states_.find(in_.guests.front()->name);
    return it->second;
  }

  // A finished step's result, by name (background steps once joined).
  const report::StepResult* result_named(const std::string& name) const {
    std::lock_guard<std::mutex> lk(results_mu_);  // a background step may ask
    for (const auto& r : results_)
      if (r && r->name == name) return &*r;
    return nullptr;
  }

  std::string display_guest(const GuestState& gs) const { return gs.guest->on(); }

  std::optional<std::string> skip_reason(const GuestState& gs) {
    if (vm::interrupted()) return "interrupted";
    if (!gs.alive)
      return "guest" + std::string(gs.guest->name.empty() ? "" : " " + gs.guest->name) + " is gone";
    if (worst_ != Status::Passed && !in_.scenario.keep_going) return "an earlier step failed";
    if (since(in_.started) > in_.scenario.timeout_s) {
      fail("scenario exceeded its timeout of " + std::to_string(static_cast<int>(in_.scenario.timeout_s)) +
               " s",
           Status::Failed);
      return "scenario timeout";
    }
    return std::nullopt;
  }

  void skip(size_t i, const scenario::Step& step, const std::string& why) {
    report::StepResult r{step.name, "", Status::Skipped, 0, "", why, {}, {}, step.guest};
    term_.step_done(r);
    record(i, std::move(r));
  }

  void record(size_t i, report::StepResult r) {
    std::lock_guard<std::mutex> lk(results_mu_);
    results_[i] = std::move(r);
  }

  void fail(const std::string& what, Status status) {
    if (worst_ == Status::Passed) {
      worst_ = status;
      message_ = what;
    } else if (in_.scenario.keep_going) {
      message_ += "; " + what;
    }
  }

  // Records a finished step: its result, the guest's health, the scenario's
  // verdict and the moment every guest was ready.
  void finish(size_t i, const scenario::Step& step, GuestState& gs, StepOutcome o) {
    o.result.guest = step.guest;
    if (o.scenario_timeout)
      o.result.message = "the scenario's timeout of " +
                         std::to_string(static_cast<int>(in_.scenario.timeout_s)) +
                         " s ran out during the step";
    if (step.action == Action::Bringup && o.result.status == Status::Passed)
      ready_at_ = std::max(ready_at_, gs.guest->session->elapsed());
    if (!o.vm_alive) gs.alive = false;
    if (o.result.status != Status::Passed)
      fail("step '" + step.name + "'" + gs.guest->on() + ": " + o.result.message, o.result.status);
    term_.step_done(o.result);
    record(i, std::move(o.result));
  }

  void collect(Background& bg) {
    if (bg.thread.joinable()) bg.thread.join();
    bg.state->busy_with.clear();
    const scenario::Step& step = in_.scenario.steps[bg.index];
    finish(bg.index, step, *bg.state, std::move(bg.outcome));
  }

  void join_step(size_t i, const scenario::Step& step) {
    auto t0 = Clock::now();
    auto it = running_.find(step.join);
    report::StepResult r{step.name, "join", Status::Passed, 0, "", "", {}, {}, ""};
    if (it == running_.end()) {
      r.status = Status::Skipped;
      r.message = "step '" + step.join + "' did not run";
    } else {
      collect(*it->second);
      const report::StepResult& joined = *results_[it->second->index];
      r.output = "joined '" + step.join + "': " + report::to_string(joined.status);
      running_.erase(it);
    }
    r.seconds = since(t0);
    term_.step_done(r);
    record(i, std::move(r));
  }

  // Guests that are neither running this step nor a background step are
  // still watched: a splat or a panic there fails the step that was running,
  // naming the guest.
  void watch_idle_guests(report::StepResult& r, const GuestState* running) {
    for (auto& [name, gs] : states_) {
      if (&gs == running || !gs.alive || !gs.busy_with.empty()) continue;
      vm::CallResult idle = gs.guest->session->idle_check();
      for (const auto& s : idle.splats)
        r.splats.push_back({s.kind, "guest " + name + ": " + s.title, s.text});
      if (idle.outcome != vm::Outcome::Finished) {
        gs.alive = false;
        if (r.status == Status::Passed) {
          r.status = Status::Failed;
          r.message = "guest " + name + " while idle: " + vm::to_string(idle.outcome) + ": " + idle.detail;
        }
      } else if (!idle.splats.empty() && r.status == Status::Passed) {
        r.status = Status::Failed;
        r.message = "kernel " + idle.splats.front().kind + " on guest " + name +
                    " (idle) during the step: " + idle.splats.front().title;
      }
    }
  }

  const StepLoopInput& in_;
  report::Terminal& term_;
  std::map<int, std::pair<uint64_t, uint64_t>> written_;  // shared by every guest's context
  std::map<std::string, GuestState> states_;
  std::map<std::string, std::unique_ptr<Background>> running_;
  mutable std::mutex results_mu_;
  std::vector<std::optional<report::StepResult>> results_;
  Status worst_ = Status::Passed;
  std::string message_;
  double ready_at_ = 0;
};

}  // namespace

StepLoopResult run_steps(const StepLoopInput& in, report::Terminal& term) { return StepLoop(in, term).run(); }

}  // namespace famlab::runner
