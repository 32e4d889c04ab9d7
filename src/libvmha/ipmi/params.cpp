#include "libvmha/ipmi/params.h"

#include <freeipmi/util/ipmi-cipher-suite-util.h>

#include "libvmha/base/strings.h"

namespace vmha::ipmi {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<Privilege> parse_privilege(std::string_view s) {
  std::string v = to_lower(trim(s));
  if (v == "callback") return Privilege::kCallback;
  if (v == "user") return Privilege::kUser;
  if (v == "operator") return Privilege::kOperator;
  if (v == "administrator" || v == "admin") return Privilege::kAdministrator;
  return make_error(
      Errc::kInvalidArgument,
      "privlvl '" + std::string(s) + "' is not callback, user, operator or administrator");
}

Result<AuthType> parse_auth(std::string_view s) {
  std::string v = to_lower(trim(s));
  if (v == "md5") return AuthType::kMd5;
  if (v == "password" || v == "straight") return AuthType::kPassword;
  if (v == "none") return AuthType::kNone;
  return make_error(Errc::kInvalidArgument,
                    "auth '" + std::string(s) + "' is not md5, password or none");
}

// The key's value is secret: messages describe its shape only.
Result<std::vector<uint8_t>> parse_hex_kg(std::string_view s) {
  s = trim(s);
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  if (s.size() % 2 != 0 || s.size() > 40) {
    return make_error(Errc::kInvalidArgument,
                      "hexadecimal_kg must be an even number of hex digits, at most 40");
  }
  std::vector<uint8_t> out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = hex_digit(s[i]);
    int lo = hex_digit(s[i + 1]);
    if (hi < 0 || lo < 0)
      return make_error(Errc::kInvalidArgument, "hexadecimal_kg has a non-hex digit");
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

Result<uint8_t> parse_cipher_suite(std::string_view s) {
  auto n = parse_int(s);
  if (!n || *n < 0 || *n > 255 || !IPMI_CIPHER_SUITE_ID_SUPPORTED(static_cast<unsigned>(*n))) {
    return make_error(Errc::kInvalidArgument,
                      "cipher '" + std::string(s) +
                          "' is not a supported cipher suite (0-3, 6-8, 11-12, "
                          "15-17); 3 is the "
                          "common choice");
  }
  return static_cast<uint8_t>(*n);
}

}  // namespace vmha::ipmi
