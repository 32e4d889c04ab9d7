#include "libvmha/disk/block_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "libvmha/base/bounded.h"

namespace vmha::disk {

struct BlockDevice::Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

namespace {

constexpr size_t kAlign = 4096;

struct AlignedFree {
  void operator()(uint8_t* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<uint8_t[], AlignedFree>;

Buffer aligned(size_t length) {
  size_t rounded = (length + kAlign - 1) / kAlign * kAlign;
  return Buffer(static_cast<uint8_t*>(std::aligned_alloc(kAlign, rounded)));
}

Error errno_error(int e, const std::string& what) {
  Errc code = e == ENOENT || e == ENXIO || e == ENODEV ? Errc::kUnreachable : Errc::kIo;
  return make_error(code, what + ": " + std::strerror(e));
}

}  // namespace

Status BlockDevice::usable() const {
  if (!stuck_.expired()) {
    return make_error(Errc::kTimeout, path_ +
                                          " stopped answering: an earlier I/O has not returned "
                                          "yet (check the storage path)");
  }
  return ok_status();
}

Result<BlockDevice> BlockDevice::open(const std::string& path, Millis io_timeout) {
  auto opened = run_bounded<std::shared_ptr<Fd>>(
      [path]() -> Result<std::shared_ptr<Fd>> {
        auto f = std::make_shared<Fd>();
        f->fd = ::open(path.c_str(), O_RDWR | O_DIRECT | O_SYNC | O_CLOEXEC);
        // Filesystems without direct I/O (tmpfs) still serve test images.
        if (f->fd < 0 && errno == EINVAL) f->fd = ::open(path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
        if (f->fd < 0) return errno_error(errno, "cannot open " + path);
        return f;
      },
      io_timeout, "opening " + path);
  if (!opened) return opened.error();
  struct stat st {};
  if (fstat((*opened)->fd, &st) != 0) return errno_error(errno, "cannot stat " + path);
  uint32_t sector = 512;
  if (S_ISBLK(st.st_mode)) {
    int ss = 0;
    if (ioctl((*opened)->fd, BLKSSZGET, &ss) != 0 || ss <= 0) {
      return errno_error(errno, "cannot read the sector size of " + path);
    }
    sector = static_cast<uint32_t>(ss);
  } else if (!S_ISREG(st.st_mode)) {
    return make_error(Errc::kInvalidArgument, path + " is neither a block device nor a file");
  }
  return BlockDevice(path, std::move(*opened), sector, io_timeout);
}

Result<std::vector<uint8_t>> BlockDevice::read(uint64_t offset, size_t length) {
  VMHA_TRY(usable());
  auto fd = fd_;
  std::string what =
      "reading " + std::to_string(length) + " bytes at " + std::to_string(offset) + " of " + path_;
  // The token lives as long as the call's thread: a daemon learns from it when
  // a stuck I/O returns, without opening the device again (which would pile
  // up one stuck thread per attempt).
  auto token = std::make_shared<const char>(0);
  auto r = run_bounded<std::vector<uint8_t>>(
      [fd, offset, length, what, token]() -> Result<std::vector<uint8_t>> {
        Buffer buf = aligned(length);
        if (!buf) return make_error(Errc::kInternal, "out of memory " + what);
        ssize_t n = pread(fd->fd, buf.get(), length, static_cast<off_t>(offset));
        if (n < 0) return errno_error(errno, what);
        if (static_cast<size_t>(n) != length) return make_error(Errc::kIo, what + ": short read");
        return std::vector<uint8_t>(buf.get(), buf.get() + length);
      },
      timeout_, what);
  if (!r && r.error().code == Errc::kTimeout) stuck_ = token;
  return r;
}

Status BlockDevice::write(uint64_t offset, std::span<const uint8_t> data) {
  VMHA_TRY(usable());
  auto fd = fd_;
  std::string what = "writing " + std::to_string(data.size()) + " bytes at " +
                     std::to_string(offset) + " of " + path_;
  std::vector<uint8_t> copy(data.begin(), data.end());
  auto token = std::make_shared<const char>(0);
  auto r = run_bounded<Unit>(
      [fd, offset, copy = std::move(copy), what, token]() -> Result<Unit> {
        Buffer buf = aligned(copy.size());
        if (!buf) return make_error(Errc::kInternal, "out of memory " + what);
        std::memcpy(buf.get(), copy.data(), copy.size());
        ssize_t n = pwrite(fd->fd, buf.get(), copy.size(), static_cast<off_t>(offset));
        if (n < 0) return errno_error(errno, what);
        if (static_cast<size_t>(n) != copy.size())
          return make_error(Errc::kIo, what + ": short write");
        return Unit{};
      },
      timeout_, what);
  if (!r && r.error().code == Errc::kTimeout) stuck_ = token;
  return r;
}

}  // namespace vmha::disk
