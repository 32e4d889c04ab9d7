// Small string helpers shared by the parsers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmha {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);

// Whole-string decimal parse; no sign games, no trailing junk.
std::optional<int64_t> parse_int(std::string_view s);
// "1", "yes", "true", "on" (any case) and their opposites; nullopt otherwise.
std::optional<bool> parse_bool(std::string_view s);
// Pacemaker-style durations: "90", "90s", "1500ms", "2m", "1h"; in ms.
std::optional<int64_t> parse_duration_ms(std::string_view s);

// Appends code point cp to out as UTF-8.
void append_utf8(std::string& out, uint32_t cp);

std::string join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace vmha
