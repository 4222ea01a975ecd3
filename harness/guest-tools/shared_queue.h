#pragma once
// A one-way queue of records in a shared file mapping, for a producer on one
// host and a consumer on another (famfs-shared-mmap): the producer writes
// record i, then publishes `produced = i + 1` with a release store; the
// consumer polls `produced` with acquire loads and checks every record it
// has not seen: its sequence number, its payload and its checksum, in order.
// The file holds every record (no ring: a famfs client maps read-only, so
// the consumer cannot hand slots back). Under TCG the shared memory is
// coherent; on real CXL memory without hardware coherency both sides would
// also need cache flushes, which this lab cannot show missing.
#include <cstdint>
#include <string>

namespace famlab::guest_tools {

constexpr uint64_t kQueueMagic = 0x6661'6d6c'6162'7131ULL;  // "famlabq1"
constexpr uint64_t kRecordBytes = 64;

struct QueueHeader {
  uint64_t magic;
  uint64_t capacity;  // records the file can hold
  uint64_t produced;  // records published so far (written last)
  uint64_t reserved[5];
};
static_assert(sizeof(QueueHeader) == kRecordBytes);

struct Record {
  uint64_t seq;
  uint64_t payload[6];  // a function of seq (see payload_word)
  uint64_t checksum;    // over seq and payload
};
static_assert(sizeof(Record) == kRecordBytes);

uint64_t payload_word(uint64_t seq, int i);
uint64_t record_checksum(const Record& r);
Record make_record(uint64_t seq);

// How many records a file of `bytes` holds after its header.
uint64_t queue_capacity(uint64_t bytes);

struct ConsumeReport {
  uint64_t received = 0;      // records checked
  uint64_t out_of_order = 0;  // seq != position
  uint64_t corrupt = 0;       // payload or checksum wrong
  uint64_t first_bad = UINT64_MAX;
  bool timed_out = false;
  double seconds = 0;
};

// On a mapping of the whole file: the producer's and the consumer's loops.
// `wait_s`: how long the consumer waits without progress before it gives up.
void produce(void* base, uint64_t bytes, uint64_t count);
ConsumeReport consume(const void* base, uint64_t bytes, uint64_t count, double wait_s);

std::string to_json_line(const ConsumeReport& r, uint64_t count);

}  // namespace famlab::guest_tools
