// Reads and writes a resource's attribute sets in the CIB through libcib
// (which honours CIB_file, so tests and offline tools can use a file).
#pragma once

#include <optional>
#include <string>

#include "libvmha/base/result.h"

namespace vmha::cluster {

enum class AttrSet { kUtilization, kMeta };

// A primitive's agent: class ("ocf"), provider (empty for classes without
// one) and type ("VirtualMachine").
struct ResourceAgent {
  std::string standard;
  std::string provider;
  std::string type;
};

class Cib {
 public:
  // Signs on to the local CIB manager; fails with kUnreachable when no
  // cluster runs here. Each call is bounded by timeout_s.
  static Result<Cib> connect(int timeout_s = 5);
  Cib(Cib&& other) noexcept;
  Cib& operator=(Cib&&) = delete;
  ~Cib();

  // The value of name in the primitive's set, nullopt if unset.
  Result<std::optional<std::string>> get(const std::string& rsc, AttrSet set,
                                         const std::string& name);
  // The agent of primitive rsc; kNotFound when the CIB has no such primitive.
  Result<ResourceAgent> agent(const std::string& rsc);
  // Writes name=value unless it already holds; returns whether it wrote.
  Result<bool> set(const std::string& rsc, AttrSet set, const std::string& name,
                   const std::string& value);

  // The whole CIB (configuration and status) as XML text.
  Result<std::string> xml();
  // Adds element_xml (one element with an id) to section ("constraints");
  // returns false when an element of that id exists already (nothing is
  // written then). kInvalidArgument when element_xml does not parse.
  Result<bool> create(const std::string& section, const std::string& element_xml);

 private:
  explicit Cib(void* cib) : cib_(cib) {}
  void* cib_;  // cib_t*
};

}  // namespace vmha::cluster
