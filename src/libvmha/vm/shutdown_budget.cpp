#include "libvmha/vm/shutdown_budget.h"

#include <algorithm>

namespace vmha::vm {

Millis shutdown_budget(const Context& ctx) {
  if (ctx.cfg().shutdown_budget.count() > 0)
    return std::min(ctx.cfg().shutdown_budget, ctx.deadline().remaining());
  return ctx.deadline().remaining() * 2 / 3;
}

}  // namespace vmha::vm
