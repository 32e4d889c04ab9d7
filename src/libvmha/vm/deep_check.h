// Monitor depths beyond the domain state: OCF_CHECK_LEVEL 10 (QEMU's
// monitor answers, every disk source is reachable) and 20 (guest agent).
#pragma once

#include "libvmha/base/result.h"
#include "libvmha/virt/domain_xml.h"
#include "libvmha/virt/hypervisor.h"

namespace vmha::vm {

// Whether the disk's backing object answers: the file or device exists and
// opens, or a network server accepts a connection within timeout.
Status check_disk_reachable(const virt::DiskSource& disk, Millis timeout);

Status deep_check(virt::Hypervisor& hv, const virt::DomainConfig& dom, int level, Millis timeout);

}  // namespace vmha::vm
