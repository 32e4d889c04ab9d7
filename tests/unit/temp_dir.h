// A fresh directory under the temporary directory for one test; removed with
// everything in it when the TempDir goes. path() is empty if creation failed
// (the constructor records a test failure then).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace vmha::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "vmha-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(tmpl.data()))
      path_ = tmpl;
    else
      ADD_FAILURE() << "mkdtemp " << tmpl << " failed";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace vmha::testing
