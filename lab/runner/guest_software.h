#pragma once
// Everything a guest needs that does not depend on the scenario: the kernel
// (built, cached or brought by the user) and the initramfs with the agent,
// the famfs tools and famlab-bw.
#include <string>

#include "lab/image/initramfs.h"
#include "lab/kernel/kernel.h"
#include "lab/report/terminal.h"

namespace famlab::runner {

struct GuestSoftware {
  kernel::Kernel kernel;
  image::Image image;
};

// Resolves (building when needed) the kernel and the image for it.
GuestSoftware prepare_guest(const kernel::KernelRequest& request, report::Terminal& term);

// "famfs", "stock", "tree:/path", a bzImage path: how reports name a kernel.
std::string kernel_label(const kernel::KernelRequest& k);

}  // namespace famlab::runner
