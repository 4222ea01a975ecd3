#include "harness/guest-tools/shared_queue.h"

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace famlab::guest_tools {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::atomic_ref<uint64_t> produced_of(void* base) {
  return std::atomic_ref<uint64_t>(static_cast<QueueHeader*>(base)->produced);
}

}  // namespace

uint64_t payload_word(uint64_t seq, int i) { return mix(seq * 8 + static_cast<uint64_t>(i)); }

uint64_t record_checksum(const Record& r) {
  uint64_t sum = mix(r.seq);
  for (uint64_t w : r.payload) sum = mix(sum ^ w);
  return sum;
}

Record make_record(uint64_t seq) {
  Record r{};
  r.seq = seq;
  for (int i = 0; i < 6; ++i) r.payload[i] = payload_word(seq, i);
  r.checksum = record_checksum(r);
  return r;
}

uint64_t queue_capacity(uint64_t bytes) { return bytes < kRecordBytes ? 0 : bytes / kRecordBytes - 1; }

void produce(void* base, uint64_t bytes, uint64_t count) {
  if (count > queue_capacity(bytes))
    throw std::runtime_error("the file holds " + std::to_string(queue_capacity(bytes)) + " records, not " +
                             std::to_string(count));
  auto* header = static_cast<QueueHeader*>(base);
  auto* records = reinterpret_cast<Record*>(static_cast<char*>(base) + kRecordBytes);
  header->magic = kQueueMagic;
  header->capacity = queue_capacity(bytes);
  for (uint64_t seq = 0; seq < count; ++seq) {
    records[seq] = make_record(seq);
    produced_of(base).store(seq + 1, std::memory_order_release);  // the record before the count
  }
}

ConsumeReport consume(const void* base, uint64_t bytes, uint64_t count, double wait_s) {
  ConsumeReport rep;
  auto t0 = std::chrono::steady_clock::now();
  auto last_progress = t0;
  auto* records = reinterpret_cast<const Record*>(static_cast<const char*>(base) + kRecordBytes);
  auto produced =
      std::atomic_ref<uint64_t>(const_cast<QueueHeader*>(static_cast<const QueueHeader*>(base))->produced);
  const uint64_t limit = std::min(count, queue_capacity(bytes));
  while (rep.received < limit) {
    uint64_t avail = std::min(produced.load(std::memory_order_acquire), limit);
    if (avail == rep.received) {
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last_progress).count() > wait_s) {
        rep.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    for (; rep.received < avail; ++rep.received) {
      Record r = records[rep.received];
      bool bad_seq = r.seq != rep.received;
      bool bad_data = record_checksum(r) != r.checksum || r.payload[0] != payload_word(rep.received, 0);
      rep.out_of_order += bad_seq;
      rep.corrupt += bad_data && !bad_seq;
      if ((bad_seq || bad_data) && rep.first_bad == UINT64_MAX) rep.first_bad = rep.received;
    }
    last_progress = std::chrono::steady_clock::now();
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

std::string to_json_line(const ConsumeReport& r, uint64_t count) {
  nlohmann::json j = {{"expected", count},    {"received", r.received},   {"out_of_order", r.out_of_order},
                      {"corrupt", r.corrupt}, {"timed_out", r.timed_out}, {"seconds", r.seconds}};
  if (r.first_bad != UINT64_MAX) j["first_bad"] = r.first_bad;
  return j.dump();
}

}  // namespace famlab::guest_tools
