// One result type for the whole library: a value, or an Error with a code and
// a message written for the administrator (it names the object and the fix).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vmha {

enum class Errc {
  kInvalidArgument,  // bad parameter or input; the message says which
  kNotConfigured,    // something the configuration needs is missing
  kNotInstalled,     // a binary, file or device this node needs is absent
  kNotFound,         // the object asked for does not exist
  kTimeout,          // a bounded call did not answer in time
  kUnreachable,      // a peer (daemon, BMC, disk) refused or vanished
  kLoginDenied,      // authentication failed
  kIo,               // read/write failed
  kConflict,         // state forbids the action (e.g. already defined)
  kInternal,         // a bug or an unexpected answer from a peer
};

const char* errc_name(Errc c);

struct Error {
  Errc code;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace vmha

// Returns early with the error of a Result-valued expression.
#define VMHA_TRY(expr)                         \
  do {                                         \
    auto vmha_try_r_ = (expr);                 \
    if (!vmha_try_r_.ok()) return vmha_try_r_.error(); \
  } while (0)
