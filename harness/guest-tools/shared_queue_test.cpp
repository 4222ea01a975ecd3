#include "harness/guest-tools/shared_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace famlab::guest_tools {
namespace {

TEST(SharedQueue, AConsumerOnAnotherThreadGetsEveryRecordInOrder) {
  std::vector<uint64_t> memory(8 * 1024, 0);  // 64 KiB: 1023 records
  void* base = memory.data();
  const uint64_t bytes = memory.size() * 8;
  ConsumeReport rep;
  std::thread consumer([&] { rep = consume(base, bytes, 1000, 10); });
  produce(base, bytes, 1000);
  consumer.join();
  EXPECT_EQ(rep.received, 1000u);
  EXPECT_EQ(rep.out_of_order, 0u);
  EXPECT_EQ(rep.corrupt, 0u);
  EXPECT_FALSE(rep.timed_out);
}

TEST(SharedQueue, ACorruptOrMisplacedRecordIsCaughtWhereItIs) {
  std::vector<uint64_t> memory(8 * 1024, 0);
  void* base = memory.data();
  const uint64_t bytes = memory.size() * 8;
  produce(base, bytes, 100);
  auto* records = reinterpret_cast<Record*>(static_cast<char*>(base) + kRecordBytes);
  records[40].payload[3] ^= 1;          // a flipped bit
  std::swap(records[60], records[61]);  // two records in the wrong order
  ConsumeReport rep = consume(base, bytes, 100, 1);
  EXPECT_EQ(rep.received, 100u);
  EXPECT_EQ(rep.corrupt, 1u);
  EXPECT_EQ(rep.out_of_order, 2u);
  EXPECT_EQ(rep.first_bad, 40u);
}

TEST(SharedQueue, AProducerThatStopsIsATimeoutNotAHang) {
  std::vector<uint64_t> memory(8 * 1024, 0);
  produce(memory.data(), memory.size() * 8, 10);
  ConsumeReport rep = consume(memory.data(), memory.size() * 8, 20, 0.2);
  EXPECT_TRUE(rep.timed_out);
  EXPECT_EQ(rep.received, 10u);
}

TEST(SharedQueue, AFileTooSmallIsRefused) {
  std::vector<uint64_t> memory(64, 0);  // 512 bytes: 7 records
  EXPECT_EQ(queue_capacity(512), 7u);
  EXPECT_THROW(produce(memory.data(), 512, 8), std::runtime_error);
}

}  // namespace
}  // namespace famlab::guest_tools
