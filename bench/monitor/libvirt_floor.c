/* The least work a monitor through the libvirt C API can do: link
 * libvirt.so, connect, look the domain up, read its state. Not an agent:
 * bench_monitor.py runs it beside the agents to show what part of their
 * cost is only loading libvirt and its libraries.
 *
 * Usage: libvirt_floor URI DOMAIN; exits 0 when DOMAIN runs, 7 when it
 * does not, 1 when libvirt fails. */
#include <libvirt/libvirt.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: libvirt_floor URI DOMAIN\n");
    return 2;
  }
  virConnectPtr conn = virConnectOpen(argv[1]);
  if (!conn) return 1;
  int state = VIR_DOMAIN_NOSTATE;
  int reason = 0;
  int rc = 1;
  virDomainPtr dom = virDomainLookupByName(conn, argv[2]);
  if (!dom) {
    rc = 7;
  } else {
    if (virDomainGetState(dom, &state, &reason, 0) == 0) rc = state == VIR_DOMAIN_RUNNING ? 0 : 7;
    virDomainFree(dom);
  }
  virConnectClose(conn);
  return rc;
}
