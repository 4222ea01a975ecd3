#include "lab/vm/guest_session.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <utility>

#include "base/error.h"
#include "lab/kernel/kernel_symbols.h"
#include "lab/vm/interrupt.h"

namespace famlab::vm {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::Finished:
      return "finished";
    case Outcome::Timeout:
      return "timeout";
    case Outcome::Panic:
      return "kernel panic";
    case Outcome::VmExited:
      return "vm exited";
    case Outcome::Interrupted:
      return "interrupted";
  }
  return "?";
}

GuestSession::GuestSession(Backend& backend, VmSpec spec, SessionLogs logs)
    : backend_(backend), spec_(std::move(spec)) {
  serial_.open(logs.serial, std::ios::binary);
  dmesg_.open(logs.dmesg);
  agent_.open(logs.agent);
  if (!serial_ || !dmesg_ || !agent_)
    throw Error(Location{logs.serial.parent_path().string()}, "cannot create the run's log files");
  if (!logs.boot_logs.empty()) {
    const std::string mark = "---- famlab: restored from the snapshot in " + logs.boot_logs.string() +
                             "; the boot above is the one it was taken after ----\n";
    for (auto [from, to] : {std::pair{"serial.log", &serial_}, std::pair{"dmesg.log", &dmesg_}}) {
      std::ifstream in(logs.boot_logs / from, std::ios::binary);
      *to << in.rdbuf();
      to->clear();  // an empty log leaves failbit set
      *to << (to == &serial_ ? "\r\n" : "") << mark;
      to->flush();
    }
  }
}

GuestSession::~GuestSession() {
  if (started_) backend_.kill();
}

double GuestSession::elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void GuestSession::log_agent(const char* dir, const std::string& line) {
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%9.3f ", started_ ? elapsed() : 0.0);
  agent_ << stamp << dir << ' ' << line << (line.ends_with('\n') ? "" : "\n");
  agent_.flush();
}

void GuestSession::read_console() {
  int fd = backend_.console_fd();
  if (fd < 0) return;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    serial_.write(buf, n);
    console_partial_.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = console_partial_.find('\n')) != std::string::npos) {
      console_.feed(console_partial_.substr(0, nl));
      console_partial_.erase(0, nl + 1);
    }
  }
  serial_.flush();
}

void GuestSession::handle_line(const std::string& line,
                               const std::function<bool(const protocol::Message&)>& done, bool* finished) {
  protocol::Message m;
  try {
    m = protocol::decode_message(line);
  } catch (const std::invalid_argument& e) {
    log_agent("??", std::string(e.what()) + ": " + line);
    return;
  }
  if (m.event == protocol::Event::Kmsg) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%5llu.%06llu] ", static_cast<unsigned long long>(m.ts_us / 1000000),
                  static_cast<unsigned long long>(m.ts_us % 1000000));
    dmesg_ << stamp << m.text << "\n";
    dmesg_.flush();
    kernel_.feed(m.text);
  } else {
    log_agent("<-", line);
  }
  if (done && done(m)) *finished = true;
}

Outcome GuestSession::pump(Clock::time_point deadline,
                           const std::function<bool(const protocol::Message&)>& done) {
  bool finished = false;
  for (;;) {
    // Drain what is already buffered before waiting again.
    while (channel_.connected()) {
      auto line = channel_.next_line();
      if (!line) break;
      handle_line(*line, done, &finished);
      if (finished) return Outcome::Finished;
    }
    if (interrupted()) return Outcome::Interrupted;
    if (auto st = backend_.exited()) {
      exit_status_ = st;
      read_console();
      if (console_.panicked()) return Outcome::Panic;
      return Outcome::VmExited;
    }
    if (console_.panicked()) return Outcome::Panic;
    if (Clock::now() >= deadline) return Outcome::Timeout;
    if (!channel_.connected()) channel_.try_connect(spec_.vm.agent.socket);

    pollfd fds[2];
    nfds_t n = 0;
    if (backend_.console_fd() >= 0) fds[n++] = {backend_.console_fd(), POLLIN, 0};
    // A closed channel polls readable forever: leave it out once it has
    // said EOF, or this loop spins (and logs) until QEMU exits.
    if (channel_.connected() && !agent_eof_) fds[n++] = {channel_.fd(), POLLIN, 0};
    poll(fds, n, 20);
    read_console();
    if (channel_.connected() && !agent_eof_ && !channel_.read_available()) {
      // EOF from the guest's port: it is powering off or gone. Keep
      // pumping the console until QEMU exits or the deadline passes.
      agent_eof_ = true;
      log_agent("--", "agent channel closed");
    }
  }
}

CallResult GuestSession::boot(double timeout_s) {
  start();
  return wait_for_hello(timeout_s);
}

void GuestSession::start() {
  start_ = Clock::now();
  backend_.start(spec_);
  started_ = true;
}

CallResult GuestSession::wait_for_hello(double timeout_s) {
  CallResult r;
  auto t0 = start_;
  r.outcome = pump(t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)),
                   [&](const protocol::Message& m) {
                     if (m.event != protocol::Event::Hello) return false;
                     hello_ = m;
                     return true;
                   });
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.splats = kernel_.take();
  symbolize(r.splats);
  if (r.outcome == Outcome::Panic) r.detail = console_.panic_text();
  if (r.outcome == Outcome::VmExited) {
    r.detail = "QEMU exited before the agent said hello (see serial.log)";
    if (exit_status_ && *exit_status_ > 128)
      r.detail = "QEMU died of signal " + std::to_string(*exit_status_ - 128) +
                 " before the agent said hello (see serial.log)";
  }
  if (r.outcome == Outcome::Timeout)
    r.detail = "no hello from the agent within " + std::to_string(static_cast<int>(timeout_s)) + " s";
  return r;
}

CallResult GuestSession::resume(protocol::Request resume, double timeout_s) {
  const auto deadline =
      start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  // QEMU serves the port's socket from its start; the guest is running by now.
  while (!channel_.connected() && Clock::now() < deadline && !backend_.exited() && !interrupted()) {
    if (!channel_.try_connect(spec_.vm.agent.socket))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  resume.op = protocol::Op::Resume;
  double left = std::chrono::duration<double>(deadline - Clock::now()).count();
  CallResult r = call(std::move(resume), std::max(left, 0.0));
  if (r.outcome == Outcome::Finished && r.finished.ok && r.finished.result.is_object()) {
    hello_.event = protocol::Event::Hello;
    hello_.kernel_release = r.finished.result.value("kernel", "");
    hello_.uptime = r.finished.result.value("uptime", 0.0);
  }
  return r;
}

CallResult GuestSession::call(protocol::Request request, double timeout_s, const OutputFn& on_output) {
  request.id = next_id_++;
  CallResult r;
  auto t0 = Clock::now();
  if (!channel_.connected()) {
    r.outcome = Outcome::VmExited;
    r.detail = "the agent is not connected";
    return r;
  }
  std::string line = protocol::encode(request);
  log_agent("->", line);
  channel_.send_line(line);
  r.outcome = pump(t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)),
                   [&](const protocol::Message& m) {
                     if (m.id != request.id) return false;
                     if (m.event == protocol::Event::Output) {
                       r.output += m.data;
                       if (on_output) on_output(m);
                     }
                     if (m.event != protocol::Event::Finished) return false;
                     r.finished = m;
                     return true;
                   });
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& s : kernel_.flush()) r.splats.push_back(std::move(s));
  symbolize(r.splats);
  switch (r.outcome) {
    case Outcome::Panic:
      r.detail = console_.panic_text();
      break;
    case Outcome::Timeout:
      r.detail = "no answer within " + std::to_string(static_cast<int>(timeout_s)) + " s";
      break;
    case Outcome::VmExited:
      r.detail = "the VM stopped during the step (see serial.log)";
      break;
    case Outcome::Interrupted:
      r.detail = "interrupted by signal " + std::to_string(interrupt_signal());
      break;
    case Outcome::Finished:
      break;
  }
  return r;
}

void GuestSession::shutdown(double timeout_s) {
  if (!started_) return;
  try {
    // A panicked guest reads nothing: a request written to it only meets
    // its QEMU going away (libvirtd 11 has aborted on a double free after
    // such a write failed with EPIPE).
    if (channel_.connected() && !agent_eof_ && !console_.panicked() && !backend_.exited() && !interrupted()) {
      protocol::Request off;
      off.op = protocol::Op::Poweroff;
      off.id = next_id_++;
      std::string line = protocol::encode(off);
      log_agent("->", line);
      channel_.send_line(line);
      auto deadline = Clock::now() +
                      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
      while (!backend_.exited() && Clock::now() < deadline)
        pump(Clock::now() + std::chrono::milliseconds(100), {});
    }
  } catch (const std::exception&) {
    // Teardown must not fail; kill below.
  }
  read_console();
  backend_.kill();
  started_ = false;
}

Outcome GuestSession::wait_exit() { return pump(Clock::time_point::max(), {}); }

CallResult GuestSession::idle_check() {
  CallResult r;
  if (!started_) return r;
  // One short round: enough to read what is already waiting.
  Outcome o = pump(Clock::now() + std::chrono::milliseconds(40), {});
  r.outcome = o == Outcome::Timeout ? Outcome::Finished : o;
  r.splats = kernel_.flush();
  symbolize(r.splats);
  if (r.outcome == Outcome::Panic) r.detail = console_.panic_text();
  if (r.outcome == Outcome::VmExited) r.detail = "the VM stopped while idle (see serial.log)";
  return r;
}

void GuestSession::read_pending() {
  if (started_) pump(Clock::now() + std::chrono::milliseconds(40), {});
}

kernel::Symbolizer* GuestSession::symbolizer() {
  if (symbolizer_made_) return symbolizer_.get();
  symbolizer_made_ = true;
  // The kernel the VM boots has its symbols beside it
  // (lab/kernel/kernel_symbols.h).
  const std::filesystem::path& image = spec_.vm.boot.kernel;
  if (image.empty()) return nullptr;
  kernel::SymbolFile symbols = kernel::find_symbols(image);
  if (symbols.path.empty()) {
    log_agent("--", "no kernel symbols beside " + image.string() + ": traces stay as the kernel wrote them");
    return nullptr;
  }
  symbolizer_ = std::make_unique<kernel::Symbolizer>(symbols);
  log_agent("--", "kernel traces symbolized with " + symbols.path.string());
  return symbolizer_.get();
}

void GuestSession::symbolize(std::vector<Splat>& splats) {
  if (splats.empty()) return;
  kernel::Symbolizer* sym = symbolizer();
  if (!sym) return;
  // Titles and traces in one addr2line run.
  std::vector<std::string> texts;
  for (const auto& s : splats) {
    texts.push_back(s.title);
    texts.push_back(s.text);
  }
  sym->annotate(texts);
  for (size_t i = 0; i < splats.size(); ++i) {
    splats[i].title = std::move(texts[2 * i]);
    splats[i].text = std::move(texts[2 * i + 1]);
  }
  if (!sym->last_error().empty()) log_agent("--", "symbolizer: " + sym->last_error());
}

std::string GuestSession::symbolize(const std::string& trace) {
  kernel::Symbolizer* sym = symbolizer();
  return sym ? sym->annotate(trace) : trace;
}

}  // namespace famlab::vm
