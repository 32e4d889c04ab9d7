// A shared disk opened for direct I/O (O_DIRECT, so reads see what other
// hosts wrote, not this host's page cache). Each I/O, the open included, is
// abandoned with kTimeout after the I/O timeout; while an abandoned I/O is
// still stuck in the kernel the device fails fast (one stuck thread per
// device, never one per call), and it serves again once that I/O returns.
// Offsets and lengths are multiples of the logical sector size. Regular
// files are accepted too (tests, images).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha::disk {

class BlockDevice {
 public:
  static Result<BlockDevice> open(const std::string& path, Millis io_timeout);

  const std::string& path() const { return path_; }
  uint32_t sector_size() const { return sector_size_; }

  Result<std::vector<uint8_t>> read(uint64_t offset, size_t length);
  Status write(uint64_t offset, std::span<const uint8_t> data);

 private:
  struct Fd;
  BlockDevice(std::string path, std::shared_ptr<Fd> fd, uint32_t sector_size, Millis timeout)
      : path_(std::move(path)), fd_(std::move(fd)), sector_size_(sector_size), timeout_(timeout) {}
  Status usable() const;

  std::string path_;
  std::shared_ptr<Fd> fd_;
  uint32_t sector_size_;
  Millis timeout_;
  // Alive while the I/O that last timed out is still running.
  std::weak_ptr<const char> stuck_;
};

}  // namespace vmha::disk
