#include "famfs/server/uring_writer.h"

#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.h"

namespace famlab::famfs::server {
namespace {

std::string errno_text() { return std::strerror(errno); }

template <class T>
T* at(void* base, unsigned offset) {
  return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}

}  // namespace

UringWriter::UringWriter() {
  io_uring_params p{};
  ring_ = static_cast<int>(syscall(SYS_io_uring_setup, 4, &p));
  if (ring_ < 0) throw Error("io_uring_setup failed: " + errno_text());
  sq_size_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  cq_size_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
  bool single = p.features & IORING_FEAT_SINGLE_MMAP;
  if (single) sq_size_ = cq_size_ = sq_size_ > cq_size_ ? sq_size_ : cq_size_;
  sq_ = mmap(nullptr, sq_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_, IORING_OFF_SQ_RING);
  if (sq_ == MAP_FAILED) throw Error("io_uring: mapping the submission ring failed: " + errno_text());
  cq_ = single ? sq_
               : mmap(nullptr, cq_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_,
                      IORING_OFF_CQ_RING);
  if (cq_ == MAP_FAILED) throw Error("io_uring: mapping the completion ring failed: " + errno_text());
  sqes_size_ = p.sq_entries * sizeof(io_uring_sqe);
  sqes_ =
      mmap(nullptr, sqes_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_, IORING_OFF_SQES);
  if (sqes_ == MAP_FAILED) throw Error("io_uring: mapping the submission entries failed: " + errno_text());
  sq_off_head_ = p.sq_off.head;
  sq_off_tail_ = p.sq_off.tail;
  sq_off_mask_ = p.sq_off.ring_mask;
  sq_off_array_ = p.sq_off.array;
  cq_off_head_ = p.cq_off.head;
  cq_off_tail_ = p.cq_off.tail;
  cq_off_mask_ = p.cq_off.ring_mask;
  cq_off_cqes_ = p.cq_off.cqes;
  long id = syscall(SYS_io_uring_register, ring_, IORING_REGISTER_PERSONALITY, nullptr, 0);
  if (id < 0) throw Error("io_uring: registering a personality failed: " + errno_text());
  personality_ = static_cast<uint16_t>(id);
}

UringWriter::~UringWriter() {
  if (sqes_ && sqes_ != MAP_FAILED) munmap(sqes_, sqes_size_);
  if (cq_ && cq_ != MAP_FAILED && cq_ != sq_) munmap(cq_, cq_size_);
  if (sq_ && sq_ != MAP_FAILED) munmap(sq_, sq_size_);
  if (ring_ >= 0) close(ring_);
}

ssize_t UringWriter::write(int fd, std::span<const uint8_t> data) {
  auto* sq_tail = at<std::atomic<unsigned>>(sq_, sq_off_tail_);
  unsigned mask = *at<unsigned>(sq_, sq_off_mask_);
  unsigned tail = sq_tail->load(std::memory_order_relaxed);
  unsigned index = tail & mask;
  auto* sqe = static_cast<io_uring_sqe*>(sqes_) + index;
  std::memset(sqe, 0, sizeof(*sqe));
  sqe->opcode = IORING_OP_WRITE;
  sqe->fd = fd;
  sqe->addr = reinterpret_cast<uint64_t>(data.data());
  sqe->len = static_cast<uint32_t>(data.size());
  sqe->off = static_cast<uint64_t>(-1);  // the file position: /dev/fuse has none to speak of
  sqe->personality = personality_;
  at<unsigned>(sq_, sq_off_array_)[index] = index;
  sq_tail->store(tail + 1, std::memory_order_release);
  long n = syscall(SYS_io_uring_enter, ring_, 1, 1, IORING_ENTER_GETEVENTS, nullptr, 0);
  if (n < 0) return -errno;
  auto* cq_head = at<std::atomic<unsigned>>(cq_, cq_off_head_);
  auto* cq_tail = at<std::atomic<unsigned>>(cq_, cq_off_tail_);
  unsigned head = cq_head->load(std::memory_order_relaxed);
  if (head == cq_tail->load(std::memory_order_acquire)) return -EAGAIN;
  const io_uring_cqe& cqe = at<io_uring_cqe>(cq_, cq_off_cqes_)[head & *at<unsigned>(cq_, cq_off_mask_)];
  ssize_t res = cqe.res;
  cq_head->store(head + 1, std::memory_order_release);
  return res;
}

}  // namespace famlab::famfs::server
