#include "lab/runner/host_pool.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <regex>
#include <thread>

#include "base/error.h"
#include "lab/vm/backend.h"

namespace famlab::runner {

std::vector<HostSpec> parse_hosts(const std::vector<std::string>& connect, int per_host) {
  if (per_host < 1) throw Error("--per-host must be at least 1 (got " + std::to_string(per_host) + ")");
  if (connect.empty()) return {HostSpec{"", per_host}};
  // driver[+transport]://[user@][host[:port]]/path[?query]
  static const std::regex uri(R"(^[a-z][a-z0-9]*(\+[a-z0-9]+)?://[^/#\s]*/[^#\s]*$)");
  std::vector<HostSpec> out;
  for (const auto& value : connect) {
    HostSpec h;
    h.uri = value;
    h.slots = per_host;
    if (auto hash = value.rfind('#'); hash != std::string::npos) {
      h.uri = value.substr(0, hash);
      std::string n = value.substr(hash + 1);
      if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(n) < 1)
        throw Error("--connect '" + value + "': '#" + n + "' is not a number of guests (URI#N, N >= 1)");
      h.slots = std::stoi(n);
    }
    if (!std::regex_match(h.uri, uri))
      throw Error("--connect '" + value +
                  "': not a libvirt URI (driver[+transport]://[host]/path, e.g. qemu:///system or "
                  "qemu+ssh://host/system)");
    for (const auto& o : out)
      if (o.uri == h.uri)
        throw Error("--connect '" + h.uri + "' given twice (use URI#N for N guests at a time on one host)");
    out.push_back(h);
  }
  return out;
}

HostPool::HostPool(std::vector<HostSpec> hosts, size_t jobs) : hosts_(std::move(hosts)), jobs_(jobs) {
  if (hosts_.empty()) throw Error("no host to run on");
  for (const auto& h : hosts_) state_.push_back(Host{h, false, "", 0, {}});
}

std::string HostPool::label(size_t host) const {
  return hosts_[host].uri.empty() ? std::string("(default)") : hosts_[host].uri;
}

bool HostPool::eligible(size_t job, size_t host) const { return !jobs_[job].failed_on.count(host); }

std::string HostPool::attempt(size_t host, const std::string& reason) const {
  // Host errors usually name their URI already ("libvirt URI: ...").
  return reason.find(label(host)) != std::string::npos ? reason : label(host) + ": " + reason;
}

std::optional<size_t> HostPool::take(size_t host) {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (stopped_ || state_[host].down) return std::nullopt;
    for (size_t j = 0; j < jobs_.size(); ++j) {
      Job& job = jobs_[j];
      if (job.running || job.done || !eligible(j, host)) continue;
      job.running = true;
      ++running_;
      return j;
    }
    // Nothing for this host now; only a running job can still come back.
    if (running_ == 0) return std::nullopt;
    cv_.wait(lk);
  }
}

void HostPool::done(size_t host, size_t job) {
  std::lock_guard<std::mutex> lk(mu_);
  jobs_[job].running = false;
  jobs_[job].done = true;
  --running_;
  state_[host].refusals_in_a_row = 0;
  state_[host].ran.push_back(job);
  cv_.notify_all();
}

void HostPool::refused(size_t host, size_t job, const std::string& reason) {
  std::lock_guard<std::mutex> lk(mu_);
  jobs_[job].running = false;
  --running_;
  jobs_[job].failed_on.insert(host);
  jobs_[job].attempts.push_back(attempt(host, reason));
  Host& h = state_[host];
  if (++h.refusals_in_a_row >= kMaxRefusals && !h.down) {
    h.down = true;
    h.down_reason = "refused " + std::to_string(h.refusals_in_a_row) + " domains in a row; last: " + reason;
  }
  cv_.notify_all();
}

void HostPool::down(size_t host, const std::string& reason, std::optional<size_t> job) {
  std::lock_guard<std::mutex> lk(mu_);
  Host& h = state_[host];
  if (!h.down) {
    h.down = true;
    h.down_reason = reason;
  }
  if (job) {
    jobs_[*job].running = false;
    --running_;
    jobs_[*job].failed_on.insert(host);
    jobs_[*job].attempts.push_back(attempt(host, reason));
  }
  cv_.notify_all();
}

void HostPool::stop() {
  std::lock_guard<std::mutex> lk(mu_);
  stopped_ = true;
  cv_.notify_all();
}

std::vector<size_t> HostPool::unplaced() const {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<size_t> out;
  for (size_t j = 0; j < jobs_.size(); ++j)
    if (!jobs_[j].done && !jobs_[j].running) out.push_back(j);
  return out;
}

std::vector<std::string> HostPool::attempts(size_t job) const {
  std::lock_guard<std::mutex> lk(mu_);
  return jobs_[job].attempts;
}

std::vector<size_t> HostPool::ran_on(size_t host) const {
  std::lock_guard<std::mutex> lk(mu_);
  return state_[host].ran;
}

std::optional<std::string> HostPool::down_reason(size_t host) const {
  std::lock_guard<std::mutex> lk(mu_);
  if (!state_[host].down) return std::nullopt;
  return state_[host].down_reason;
}

bool HostPool::stopped() const {
  std::lock_guard<std::mutex> lk(mu_);
  return stopped_;
}

void run_on_pool(HostPool& pool, const std::function<void(size_t host)>& open,
                 const std::function<void(size_t job, size_t host)>& run) {
  const size_t n_hosts = pool.hosts().size();
  // Each host is opened once, by whichever of its workers comes first.
  std::vector<std::unique_ptr<std::once_flag>> opened;
  for (size_t h = 0; h < n_hosts; ++h) opened.push_back(std::make_unique<std::once_flag>());
  std::mutex error_mu;
  std::exception_ptr error;

  auto worker = [&](size_t h) {
    std::call_once(*opened[h], [&] {
      try {
        open(h);
      } catch (const std::exception& e) {
        pool.down(h, e.what());
      }
    });
    while (auto job = pool.take(h)) {
      try {
        run(*job, h);
        pool.done(h, *job);
      } catch (const vm::HostError& e) {
        if (e.kind() == vm::HostError::Kind::Refused)
          pool.refused(h, *job, e.what());
        else
          pool.down(h, e.what(), *job);
      } catch (...) {
        pool.done(h, *job);
        std::lock_guard<std::mutex> lk(error_mu);
        if (!error) error = std::current_exception();
        pool.stop();
        return;
      }
    }
  };

  size_t slots = 0;
  for (const auto& h : pool.hosts()) slots += static_cast<size_t>(h.slots);
  if (slots == 1) {
    worker(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t h = 0; h < n_hosts; ++h)
      for (int s = 0; s < pool.hosts()[h].slots; ++s) threads.emplace_back(worker, h);
    for (auto& t : threads) t.join();
  }
  if (error) std::rethrow_exception(error);
}

int default_local_jobs(unsigned cores, uint64_t memory_bytes) {
  const uint64_t by_memory = memory_bytes / (4ull << 30);
  const uint64_t by_cores = cores / 2;
  return static_cast<int>(std::max<uint64_t>(1, std::min(by_memory, by_cores)));
}

}  // namespace famlab::runner
