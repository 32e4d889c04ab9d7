// How to reach and log in to one BMC, and the parsers for the option values
// fence_ipmilan users already write (privlvl names, hexadecimal K_g).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha::ipmi {

enum class Privilege : uint8_t { kCallback = 1, kUser = 2, kOperator = 3, kAdministrator = 4 };
enum class AuthType : uint8_t { kNone = 0, kMd5 = 2, kPassword = 4 };  // IPMI 1.5 only

struct SessionParams {
  std::string host;
  uint16_t port = 623;
  std::string username;
  std::string password;  // wiped by the Session that consumes it
  std::vector<uint8_t> k_g;
  Privilege privilege = Privilege::kAdministrator;
  uint8_t cipher_suite = 3;
  bool lanplus = true;  // IPMI 2.0 RMCP+; false: IPMI 1.5
  AuthType auth = AuthType::kMd5;
  // Bounds the session set-up and each command (libfreeipmi's session timeout).
  Millis timeout{5'000};
  // The BMC must answer a presence ping within this before a log-in is
  // tried (0: no ping); see ping.h.
  Millis reach_timeout{1'000};

  std::string bmc_name() const { return "BMC " + host + ":" + std::to_string(port); }
};

// "callback", "user", "operator", "administrator" (also "admin"), any case.
Result<Privilege> parse_privilege(std::string_view s);
// "md5", "password" (straight), "none".
Result<AuthType> parse_auth(std::string_view s);
// Hex digits, optional "0x" prefix, at most 20 bytes; "" gives no key.
Result<std::vector<uint8_t>> parse_hex_kg(std::string_view s);
// An id libfreeipmi implements (0-3, 6-8, 11-12, 15-17).
Result<uint8_t> parse_cipher_suite(std::string_view s);

}  // namespace vmha::ipmi
