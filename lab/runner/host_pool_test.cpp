#include "lab/runner/host_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "lab/vm/backend.h"

using namespace famlab;
using namespace famlab::runner;
using vm::HostError;

TEST(ParseHosts, UrisWithOptionalGuestCounts) {
  auto h =
      parse_hosts({"qemu:///system", "qemu+ssh://ci-2/system#3", "qemu:///system?socket=/tmp/a/sock"}, 2);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].uri, "qemu:///system");
  EXPECT_EQ(h[0].slots, 2);
  EXPECT_EQ(h[1].uri, "qemu+ssh://ci-2/system");
  EXPECT_EQ(h[1].slots, 3);
  EXPECT_EQ(h[2].uri, "qemu:///system?socket=/tmp/a/sock");
  auto d = parse_hosts({}, 1);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].uri, "");
}

TEST(ParseHosts, BadValuesAreUsageErrorsNamingTheValue) {
  auto message = [](std::vector<std::string> v, int per_host = 1) {
    try {
      parse_hosts(v, per_host);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({"localhost"}).find("'localhost': not a libvirt URI"), std::string::npos);
  EXPECT_NE(message({"qemu:/system"}).find("not a libvirt URI"), std::string::npos);
  EXPECT_NE(message({"qemu:///system#0"}).find("not a number of guests"), std::string::npos);
  EXPECT_NE(message({"qemu:///system#x"}).find("not a number of guests"), std::string::npos);
  EXPECT_NE(message({"qemu:///system#"}).find("not a number of guests"), std::string::npos);
  EXPECT_NE(message({"qemu:///system", "qemu:///system#2"}).find("given twice"), std::string::npos);
  EXPECT_NE(message({"qemu:///system"}, 0).find("--per-host"), std::string::npos);
}

namespace {

// Records which host ran which job and how many ran at once per host.
struct Recorder {
  std::mutex mu;
  std::map<size_t, std::vector<size_t>> runs;  // job -> hosts, in order
  std::vector<std::atomic<int>> now;
  std::vector<int> peak;
  explicit Recorder(size_t hosts) : now(hosts), peak(hosts, 0) {}
  void enter(size_t job, size_t host) {
    int n = ++now[host];
    std::lock_guard<std::mutex> lk(mu);
    runs[job].push_back(host);
    peak[host] = std::max(peak[host], n);
  }
  void leave(size_t host) { --now[host]; }
};

void pause_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// The pool's workers are threads, and a loaded machine may start one long
// after the others: a test that needs several hosts busy at once makes the
// jobs wait for each other (bounded, so a broken pool fails instead of
// hanging) rather than hope a pause is long enough.
constexpr auto kPatience = std::chrono::seconds(60);

// Waits until `ready` holds; false after kPatience.
bool wait_until(const std::function<bool()>& ready) {
  auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Jobs pass in waves of `size`: each waits until `size` jobs have arrived.
class Waves {
 public:
  explicit Waves(size_t size) : size_(size) {}
  bool arrive_and_wait() {
    std::unique_lock<std::mutex> lk(mu_);
    size_t wave = wave_;
    if (++arrived_ == size_) {
      arrived_ = 0;
      ++wave_;
      cv_.notify_all();
      return true;
    }
    return cv_.wait_for(lk, kPatience, [&] { return wave_ != wave; });
  }

 private:
  size_t size_, arrived_ = 0, wave_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
};

TEST(DefaultLocalJobs, OnePerTwoCoresBoundedByMemory) {
  constexpr uint64_t G = 1ull << 30;
  EXPECT_EQ(default_local_jobs(2, 24 * G), 1);  // this lab's machines
  EXPECT_EQ(default_local_jobs(16, 64 * G), 8);
  EXPECT_EQ(default_local_jobs(16, 12 * G), 3);  // memory bounds it
  EXPECT_EQ(default_local_jobs(1, 2 * G), 1);    // never zero
  EXPECT_EQ(default_local_jobs(0, 0), 1);
}

}  // namespace

TEST(HostPool, SpreadsJobsAndKeepsThePerHostLimit) {
  HostPool pool({{"a:///x", 1}, {"b:///x", 2}}, 12);
  Recorder rec(2);
  // Every slot busy at once, four times: a gets one job of each wave, b two.
  Waves waves(3);
  run_on_pool(
      pool, [](size_t) {},
      [&](size_t job, size_t host) {
        rec.enter(job, host);
        EXPECT_TRUE(waves.arrive_and_wait()) << "the pool never had its 3 slots busy at once";
        rec.leave(host);
      });
  EXPECT_TRUE(pool.unplaced().empty());
  ASSERT_EQ(rec.runs.size(), 12u);
  for (const auto& [job, hosts] : rec.runs) EXPECT_EQ(hosts.size(), 1u) << "job " << job << " ran twice";
  EXPECT_EQ(rec.peak[0], 1);
  EXPECT_EQ(rec.peak[1], 2);
  EXPECT_EQ(pool.ran_on(0).size(), 4u);
  EXPECT_EQ(pool.ran_on(1).size(), 8u);
}

TEST(HostPool, AHostThatCannotBeReachedGivesItsShareToTheOthers) {
  HostPool pool({{"a:///x", 1}, {"b:///x", 1}}, 5);
  Recorder rec(2);
  run_on_pool(
      pool,
      [](size_t host) {
        if (host == 0) throw HostError(HostError::Kind::Down, "libvirt a:///x: cannot connect: refused");
      },
      [&](size_t job, size_t host) {
        rec.enter(job, host);
        rec.leave(host);
      });
  EXPECT_TRUE(pool.unplaced().empty());
  EXPECT_EQ(pool.ran_on(0).size(), 0u);
  EXPECT_EQ(pool.ran_on(1).size(), 5u);
  ASSERT_TRUE(pool.down_reason(0));
  EXPECT_NE(pool.down_reason(0)->find("cannot connect"), std::string::npos);
  EXPECT_FALSE(pool.down_reason(1));
}

TEST(HostPool, ARefusedJobMovesAndTheRefusalIsRecorded) {
  HostPool pool({{"a:///x", 1}, {"b:///x", 1}}, 4);
  Recorder rec(2);
  std::atomic<long> refused{-1};
  run_on_pool(
      pool, [](size_t) {},
      [&](size_t job, size_t host) {
        rec.enter(job, host);
        rec.leave(host);
        long none = -1;
        if (host == 0 && refused.compare_exchange_strong(none, static_cast<long>(job)))
          throw HostError(HostError::Kind::Refused, "cannot start domain: no memory");
        // b finishes nothing before a has had a job to refuse.
        EXPECT_TRUE(wait_until([&] { return refused >= 0; })) << "host a never got a job";
      });
  EXPECT_TRUE(pool.unplaced().empty());
  // The refused job ran on a (refused), then on b; the refusal is in its attempts.
  ASSERT_GE(refused.load(), 0);
  size_t r = static_cast<size_t>(refused.load());
  EXPECT_EQ(rec.runs[r], (std::vector<size_t>{0, 1}));
  ASSERT_EQ(pool.attempts(r).size(), 1u);
  EXPECT_EQ(pool.attempts(r)[0], "a:///x: cannot start domain: no memory");
  EXPECT_FALSE(pool.down_reason(0));  // one refusal does not take a host down
  for (size_t j = 0; j < 4; ++j) {
    if (j != r) {
      EXPECT_EQ(rec.runs[j].size(), 1u);
    }
  }
}

TEST(HostPool, AHostThatKeepsRefusingGoesDown) {
  HostPool pool({{"a:///x", 1}, {"b:///x", 1}}, 6);
  std::atomic<int> refusals{0};
  run_on_pool(
      pool, [](size_t) {},
      [&](size_t, size_t host) {
        if (host == 0) {
          ++refusals;
          throw HostError(HostError::Kind::Refused, "no qemu");
        }
        // b finishes nothing before a has refused twice (and gone down).
        EXPECT_TRUE(wait_until([&] { return refusals >= HostPool::kMaxRefusals; }))
            << "host a never got two jobs to refuse";
      });
  EXPECT_TRUE(pool.unplaced().empty());
  ASSERT_TRUE(pool.down_reason(0));
  EXPECT_NE(pool.down_reason(0)->find("refused 2 domains in a row"), std::string::npos);
  EXPECT_EQ(pool.ran_on(1).size(), 6u);
}

TEST(HostPool, AJobCutShortByALostHostRunsAgainElsewhereAndSaysSo) {
  HostPool pool({{"a:///x", 1}, {"b:///x", 1}}, 3);
  Recorder rec(2);
  std::atomic<bool> lost{false};
  run_on_pool(
      pool, [](size_t) {},
      [&](size_t job, size_t host) {
        rec.enter(job, host);
        rec.leave(host);
        if (host == 0 && !lost.exchange(true)) throw HostError(HostError::Kind::Down, "connection lost");
        // b finishes nothing before a has had a job and lost it.
        EXPECT_TRUE(wait_until([&] { return lost.load(); })) << "host a never got a job";
      });
  EXPECT_TRUE(pool.unplaced().empty());
  ASSERT_TRUE(pool.down_reason(0));
  size_t twice = 0;
  for (const auto& [job, hosts] : rec.runs) {
    if (hosts.size() == 2) {
      ++twice;
      EXPECT_EQ(hosts, (std::vector<size_t>{0, 1}));
      ASSERT_EQ(pool.attempts(job).size(), 1u);
      EXPECT_EQ(pool.attempts(job)[0], "a:///x: connection lost");
    } else {
      EXPECT_TRUE(pool.attempts(job).empty());
    }
  }
  EXPECT_EQ(twice, 1u);
}

TEST(HostPool, WithEveryHostDownNoJobIsLost) {
  HostPool pool({{"a:///x", 1}, {"b:///x", 2}}, 3);
  std::atomic<int> ran{0};
  run_on_pool(
      pool, [](size_t host) { throw HostError(HostError::Kind::Down, "down " + std::to_string(host)); },
      [&](size_t, size_t) { ++ran; });
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(pool.unplaced(), (std::vector<size_t>{0, 1, 2}));
}

TEST(HostPool, AJobEveryHostRefusesEndsUnplacedWithEveryReason) {
  HostPool pool({{"a:///x", 1}, {"b:///x", 1}}, 3);
  run_on_pool(
      pool, [](size_t) {},
      [&](size_t job, size_t host) {
        if (job == 1) throw HostError(HostError::Kind::Refused, "bad XML on " + std::to_string(host));
        if (job == 2 && host == 1) throw HostError(HostError::Kind::Refused, "libvirt b:///x: cannot start");
        pause_ms(5);
      });
  EXPECT_EQ(pool.unplaced(), (std::vector<size_t>{1}));
  auto a = pool.attempts(1);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_NE(a[0].find("bad XML"), std::string::npos);
  EXPECT_NE(a[0].substr(0, 6), a[1].substr(0, 6));  // one from each host
  // A reason that names its host already is not prefixed twice.
  auto two = pool.attempts(2);
  if (!two.empty()) {
    EXPECT_EQ(two[0], "libvirt b:///x: cannot start");
  }
}

TEST(HostPool, StopLeavesTheRestUnstarted) {
  HostPool pool({{"", 1}}, 5);
  std::vector<size_t> ran;
  run_on_pool(
      pool, [](size_t) {},
      [&](size_t job, size_t) {
        ran.push_back(job);
        if (job == 1) pool.stop();
      });
  EXPECT_EQ(ran, (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(pool.stopped());
  EXPECT_EQ(pool.unplaced(), (std::vector<size_t>{2, 3, 4}));
}

TEST(HostPool, OtherErrorsStopThePoolAndPropagate) {
  HostPool pool({{"a:///x", 1}, {"b:///x", 1}}, 10);
  EXPECT_THROW(run_on_pool(
                   pool, [](size_t) {},
                   [&](size_t job, size_t) {
                     pause_ms(5);
                     if (job == 2) throw std::runtime_error("bug");
                   }),
               std::runtime_error);
  EXPECT_TRUE(pool.stopped());
  EXPECT_FALSE(pool.unplaced().empty());
}
