#pragma once
// Replies written to /dev/fuse through io_uring with a personality: a set
// of credentials io_uring saved when it was registered, used for every
// write afterwards whoever the task is by then. The cap-drop matrix's
// io_uring cell (--cap-drop uring-personality): a server registers its
// privileged credentials, becomes an ordinary user and still answers as
// the privileged one. The kernel's capability checks then see the saved
// credentials (subjective), the task itself is unprivileged (objective).
#include <sys/types.h>

#include <cstdint>
#include <span>

namespace famlab::famfs::server {

class UringWriter {
 public:
  // A ring of its own and a personality of the calling task's present
  // credentials. Throws famlab::Error naming the step that failed (no
  // io_uring in the kernel: ENOSYS).
  UringWriter();
  ~UringWriter();
  UringWriter(const UringWriter&) = delete;
  UringWriter& operator=(const UringWriter&) = delete;

  // write(2) of `data` to `fd` through the ring with the personality;
  // bytes written, or -errno.
  ssize_t write(int fd, std::span<const uint8_t> data);

 private:
  int ring_ = -1;
  uint16_t personality_ = 0;
  void* sq_ = nullptr;
  size_t sq_size_ = 0;
  void* cq_ = nullptr;
  size_t cq_size_ = 0;
  void* sqes_ = nullptr;
  size_t sqes_size_ = 0;
  unsigned sq_off_head_ = 0, sq_off_tail_ = 0, sq_off_mask_ = 0, sq_off_array_ = 0;
  unsigned cq_off_head_ = 0, cq_off_tail_ = 0, cq_off_mask_ = 0, cq_off_cqes_ = 0;
};

}  // namespace famlab::famfs::server
