// JSON string escaping, for the few places that write JSON by hand
// (vmhactl's --output-as=json, test probes).
#pragma once

#include <string>
#include <string_view>

namespace vmha {

// s with '"', '\\' and control characters escaped, without the quotes.
std::string json_escape(std::string_view s);

}  // namespace vmha
