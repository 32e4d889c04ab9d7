/* A minimal QEMU guest agent for the test guest, so that monitors that ask
 * the agent (guest-ping) can be tested for real. It speaks the agent
 * protocol on the virtio-serial port org.qemu.guest_agent.0: one JSON
 * request per line in, one reply per line out. It answers guest-sync,
 * guest-sync-delimited, guest-ping and guest-get-time, powers off or reboots on
 * guest-shutdown (no reply, as QEMU's agent), and reports CommandNotFound
 * for anything else. The writer starts and stops it (control commands
 * "agent-start" and "agent-stop"). Exits when the guest has no such port. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#define PORT_NAME "org.qemu.guest_agent.0"

static void nap_ms(long ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Finds /dev/vportNpM whose sysfs name is the agent's; the port appears a
 * little after virtio_console is loaded. */
static int open_port(void) {
    for (int tries = 0; tries < 100; tries++) {
        DIR *d = opendir("/sys/class/virtio-ports");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char path[300], name[64] = {0};
            snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f) continue;
            int match = fgets(name, sizeof name, f) && strncmp(name, PORT_NAME, strlen(PORT_NAME)) == 0;
            fclose(f);
            if (!match) continue;
            snprintf(path, sizeof path, "/dev/%s", e->d_name);
            int fd = open(path, O_RDWR | O_CLOEXEC);
            if (fd >= 0) {
                closedir(d);
                return fd;
            }
        }
        if (d) closedir(d);
        nap_ms(100);
    }
    return -1;
}

static void reply(int fd, const char *text) {
    (void)!write(fd, text, strlen(text));
}

static void handle(int fd, const char *req) {
    char out[128];
    const char *id = strstr(req, "\"id\"");
    if (strstr(req, "\"guest-sync")) {
        unsigned long long n = id ? strtoull(strchr(id, ':') + 1, NULL, 10) : 0;
        /* The delimited variant announces its reply with a 0xFF byte. */
        snprintf(out, sizeof out, "%s{\"return\": %llu}\n",
                 strstr(req, "guest-sync-delimited") ? "\xff" : "", n);
        reply(fd, out);
    } else if (strstr(req, "\"guest-ping\"")) {
        reply(fd, "{\"return\": {}}\n");
    } else if (strstr(req, "\"guest-get-time\"")) {
        /* libvirt's virDomainGetTime asks this; ns since the epoch. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(out, sizeof out, "{\"return\": %lld}\n",
                 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        reply(fd, out);
    } else if (strstr(req, "\"guest-shutdown\"")) {
        sync();
        reboot(strstr(req, "\"reboot\"") ? RB_AUTOBOOT : RB_POWER_OFF);
    } else {
        reply(fd, "{\"error\": {\"class\": \"CommandNotFound\", "
                  "\"desc\": \"not implemented by the vmha test agent\"}}\n");
    }
}

int main(void) {
    int fd = open_port();
    if (fd < 0) return 0; /* no agent channel in this domain */
    printf("agent: listening on %s\n", PORT_NAME);
    fflush(stdout);
    char buf[4096];
    size_t len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0) continue;
        /* POLLHUP without data: nobody is connected on the host side, and
         * read would return 0 at once; wait for a client instead of spinning. */
        if (!(p.revents & POLLIN)) {
            nap_ms(100);
            continue;
        }
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0) {
            nap_ms(100);
            continue;
        }
        len += (size_t)n;
        buf[len] = 0;
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = 0;
            handle(fd, line);
            line = nl + 1;
        }
        len = strlen(line);
        memmove(buf, line, len + 1);
        if (len == sizeof buf - 1) len = 0; /* a line this long is garbage */
    }
}
