#pragma once
// Where scenarios run: a pool of hosts, each taking at most `slots` guests at
// a time. Jobs (scenario x kernel) are handed to free slots in order. A host
// that cannot be reached, or that loses its connection, is down for the rest
// of the run; a host that refuses a job (will not start the domain) gets it
// taken back, and goes down after kMaxRefusals refusals in a row. A job that
// comes back goes to a host that has not failed it; one that no host could
// run is reported with every host's reason. So a job is never lost, and
// never runs twice without its attempts being recorded.
//
// The direct QEMU backend is a pool of one local host with one slot.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace famlab::runner {

struct HostSpec {
  std::string uri;  // libvirt URI; "" = the local machine (QEMU backend) or libvirt's default
  int slots = 1;    // guests at a time
};

// --connect values: "URI" or "URI#N" (N guests at a time on that host,
// overriding --per-host). Throws famlab::Error for a value that is not a
// libvirt URI (driver[+transport]://[host]/path), a bad N, or a URI given
// twice. An empty list means libvirt's default URI.
std::vector<HostSpec> parse_hosts(const std::vector<std::string>& connect, int per_host);

// How many scenarios the direct backend runs at a time by default: one per
// two cores (a TCG guest keeps about two busy), and one per 4 GiB of memory
// (a guest's RAM, its CXL backing files and QEMU), at least one.
int default_local_jobs(unsigned cores, uint64_t memory_bytes);

class HostPool {
 public:
  static constexpr int kMaxRefusals = 2;

  HostPool(std::vector<HostSpec> hosts, size_t jobs);

  const std::vector<HostSpec>& hosts() const { return hosts_; }

  // The next job for host h. Waits while the only jobs left run elsewhere
  // (they may come back); nullopt when h has nothing more to do: all jobs
  // done or running, h down, the pool stopped, or only jobs h failed left.
  std::optional<size_t> take(size_t host);
  // The job ran on h (whatever the scenario's result).
  void done(size_t host, size_t job);
  // h would not start the job: it goes back to the queue for another host.
  void refused(size_t host, size_t job, const std::string& reason);
  // h is unusable for the rest of the run; its job, if any, goes back.
  void down(size_t host, const std::string& reason, std::optional<size_t> job = std::nullopt);
  // No more jobs are handed out (interrupt).
  void stop();

  // After every worker returned:
  std::vector<size_t> unplaced() const;                 // jobs that never ran, in order
  std::vector<std::string> attempts(size_t job) const;  // why each failed try failed, naming the URI
  std::vector<size_t> ran_on(size_t host) const;        // jobs host ran, in order done
  std::optional<std::string> down_reason(size_t host) const;
  bool stopped() const;

 private:
  struct Host {
    HostSpec spec;
    bool down = false;
    std::string down_reason;
    int refusals_in_a_row = 0;
    std::vector<size_t> ran;
  };
  struct Job {
    std::set<size_t> failed_on;
    std::vector<std::string> attempts;
    bool running = false, done = false;
  };
  bool eligible(size_t job, size_t host) const;
  std::string label(size_t host) const;
  std::string attempt(size_t host, const std::string& reason) const;

  std::vector<HostSpec> hosts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Host> state_;
  std::vector<Job> jobs_;
  size_t running_ = 0;
  bool stopped_ = false;
};

// Runs every job of the pool: one worker per slot (the calling thread when
// there is only one). For each host, open(host) is called once before its
// first job; an exception from it takes the host down (its message is the
// reason). run(job, host) runs a job; a vm::HostError from it gives the job
// back (Refused) or takes the host down (Down); any other exception
// propagates after all workers stopped.
void run_on_pool(HostPool& pool, const std::function<void(size_t host)>& open,
                 const std::function<void(size_t job, size_t host)>& run);

}  // namespace famlab::runner
