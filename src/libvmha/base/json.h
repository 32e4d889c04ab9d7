// JSON: string escaping for the places that write it by hand (vmhactl's
// --output-as=json, test probes), and a small value type with a strict
// parser and a writer, for talking to QEMU's monitor (QMP).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "libvmha/base/result.h"

namespace vmha {

// s with '"', '\\' and control characters escaped, without the quotes.
std::string json_escape(std::string_view s);

// A JSON value. Objects keep their members in order (QMP's are small, so
// lookups are linear); numbers keep their text, so 64-bit sizes stay exact.
class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::kBool), bool_(b) {}
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Json(T n) : type_(Type::kNumber), text_(std::to_string(n)) {}
  Json(const char* s) : type_(Type::kString), text_(s) {}
  Json(std::string s) : type_(Type::kString), text_(std::move(s)) {}
  Json(std::string_view s) : type_(Type::kString), text_(s) {}

  static Json array(Array items = {});
  static Json object(Object members = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_string() const { return type_ == Type::kString; }

  // The member named key of an object; nullptr when absent or not an object.
  const Json* find(std::string_view key) const;
  // The member's string, or "" when it is absent or not a string.
  std::string str(std::string_view key) const;
  // The member as a bool; fallback when absent or not a bool.
  bool flag(std::string_view key, bool fallback = false) const;
  // This value as a string ("" when not one), bool, or whole number.
  const std::string& as_string() const;
  std::optional<bool> as_bool() const;
  std::optional<int64_t> as_int() const;
  // Elements of an array, members of an object; empty for other types.
  const Array& items() const { return items_; }
  const Object& members() const { return members_; }

  // Appends a member to an object (or an element to an array).
  Json& add(std::string key, Json value);
  Json& push(Json value);

  // Compact JSON text.
  std::string dump() const;

  // Used by the parser.
  static Json number_from_text(std::string text);

 private:
  void dump_to(std::string& out) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;  // string value, or a number's text
  Array items_;
  Object members_;
};

// Parses one JSON text (RFC 8259: one value, whitespace around it, nothing
// else). Nesting deeper than max_depth is refused, so hostile input cannot
// exhaust the stack. kInvalidArgument with the byte offset of the fault.
Result<Json> parse_json(std::string_view text, int max_depth = 64);

}  // namespace vmha
