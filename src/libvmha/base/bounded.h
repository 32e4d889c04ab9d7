// Runs a possibly blocking call on its own thread and gives up waiting after
// a timeout (kTimeout: "<what> timed out: did not complete within N ms"): a hung device
// or a C library that overshoots its own timeout then costs a stuck thread,
// never a stuck caller. The callable must own (or share) all it touches.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha {

template <typename T>
Result<T> run_bounded(std::function<Result<T>()> call, Millis timeout, const std::string& what) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  std::future<Result<T>> future = promise->get_future();
  std::thread([promise, call = std::move(call)] { promise->set_value(call()); }).detach();
  if (future.wait_for(timeout) != std::future_status::ready) {
    return make_error(Errc::kTimeout,
                      what + " timed out: did not complete within " +
                          std::to_string(timeout.count()) + " ms");
  }
  return future.get();
}

}  // namespace vmha
