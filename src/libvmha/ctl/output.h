// The one formatter for vmha's command-line output, as Pacemaker's tools
// offer with --output-as: a table rendered as text (aligned columns), json
// (an array of objects) or xml (one element per row).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vmha::ctl {

enum class Format { kText, kJson, kXml };

std::optional<Format> parse_format(const std::string& s);

struct Table {
  std::string name;  // xml element of each row and of the list (name + "s")
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

std::string render(const Table& t, Format f);

}  // namespace vmha::ctl
