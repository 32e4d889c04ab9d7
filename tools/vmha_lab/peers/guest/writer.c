/* The test guest's only program: writes a numbered record to its disk every
 * 100 ms so that tests can see, from outside, whether and since when the guest
 * runs; obeys commands a test leaves in the disk's control sector; powers the
 * guest off on the ACPI power button; runs the guest agent (agent.c).
 *
 * Disk layout (512-byte sectors; tools/vmha_lab/peers/disk.py reads it):
 *   sector 0        control: "VMHACTL1" then a NUL-padded command word
 *                   ("poweroff", "panic", "agent-stop", "agent-start",
 *                   "ignore-power-button");
 *                   cleared before it is obeyed.
 *   sectors 8..2055 ring of records, record n in sector 8 + n % 2048:
 *                   "VMHAREC1", boot id (36 chars), counter (u64 LE),
 *                   guest CLOCK_MONOTONIC in ns (u64 LE), zero padding.
 *
 * Usage: writer DEVICE.  Runs as the guest's PID 1 and never exits. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/reboot.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    SECTOR = 512,
    RING_START = 8,
    RING_SECTORS = 2048,
    PERIOD_NS = 100 * 1000 * 1000,
    MAX_INPUTS = 8,
};

static const char REC_MAGIC[8] = "VMHAREC1";
static const char CTL_MAGIC[8] = "VMHACTL1";

static int disk = -1;
static unsigned char *sector; /* SECTOR bytes, aligned for O_DIRECT */
static int inputs[MAX_INPUTS];
static int n_inputs;
static pid_t agent;
/* Set by "ignore-power-button": a guest that never answers a graceful
 * shutdown, so that tests see the destroy that must follow. */
static int ignore_power_button;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t deadline_ns) {
    struct timespec ts = {.tv_sec = (time_t)(deadline_ns / 1000000000u),
                          .tv_nsec = (long)(deadline_ns % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static void put_u64le(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64le(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static int write_sector(uint64_t index) {
    if (pwrite(disk, sector, SECTOR, (off_t)(index * SECTOR)) != SECTOR) return -1;
    return fdatasync(disk);
}

/* Continues after the highest counter already on the disk, so that a new
 * boot (or a second instance of the same disk elsewhere) never reuses one. */
static uint64_t first_counter(void) {
    size_t len = (size_t)RING_SECTORS * SECTOR;
    unsigned char *ring;
    if (posix_memalign((void **)&ring, 4096, len) != 0) return 0;
    uint64_t next = 0;
    if (pread(disk, ring, len, (off_t)RING_START * SECTOR) == (ssize_t)len) {
        for (int i = 0; i < RING_SECTORS; i++) {
            const unsigned char *r = ring + (size_t)i * SECTOR;
            if (memcmp(r, REC_MAGIC, 8) != 0) continue;
            uint64_t c = get_u64le(r + 8 + 36);
            if (c + 1 > next) next = c + 1;
        }
    } else {
        printf("writer: reading the ring failed: %s\n", strerror(errno));
    }
    free(ring);
    return next;
}

static void read_boot_id(char id[36]) {
    memset(id, '?', 36);
    int fd = open("/proc/sys/kernel/random/uuid", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, id, 36) != 36) memset(id, '?', 36);
        close(fd);
    }
}

/* The ACPI button driver reports the power button as KEY_POWER on an evdev
 * device; the devices may appear a little after the modules are loaded, so
 * this is retried until one is found. */
static void open_inputs(void) {
    DIR *d = opendir("/dev/input");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) && n_inputs < MAX_INPUTS) {
        if (strncmp(e->d_name, "event", 5) != 0) continue;
        char path[300];
        snprintf(path, sizeof path, "/dev/input/%s", e->d_name);
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) inputs[n_inputs++] = fd;
    }
    closedir(d);
}

static int power_button_pressed(void) {
    if (n_inputs == 0) open_inputs();
    struct input_event ev;
    int pressed = 0;
    for (int i = 0; i < n_inputs; i++)
        while (read(inputs[i], &ev, sizeof ev) == sizeof ev)
            if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1) pressed = 1;
    return pressed;
}

static void power_off(const char *why) {
    printf("writer: powering off (%s)\n", why);
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
}

static void panic_now(void) {
    printf("writer: panicking on request\n");
    fflush(stdout);
    int fd = open("/proc/sysrq-trigger", O_WRONLY);
    if (fd >= 0) {
        (void)!write(fd, "c", 1);
        close(fd);
    }
    /* Without sysrq, PID 1 exiting panics the kernel just as well. */
    exit(1);
}

static void start_agent(void) {
    if (agent > 0) return;
    agent = fork();
    if (agent == 0) {
        execl("/bin/agent", "agent", (char *)NULL);
        _exit(127);
    }
}

static void stop_agent(void) {
    if (agent <= 0) return;
    kill(agent, SIGKILL);
    waitpid(agent, NULL, 0);
    agent = 0;
}

/* As PID 1 the writer inherits every orphan; only the agent is expected. */
static void reap(void) {
    pid_t pid;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
        if (pid == agent) agent = 0;
}

/* A command is cleared before it is obeyed, so that the next boot of the
 * same disk does not obey it again. */
static void poll_control(void) {
    if (pread(disk, sector, SECTOR, 0) != SECTOR) return;
    if (memcmp(sector, CTL_MAGIC, 8) != 0) return;
    char cmd[33] = {0};
    memcpy(cmd, sector + 8, 32);
    memset(sector, 0, SECTOR);
    while (write_sector(0) != 0) {
        printf("writer: clearing the control sector failed: %s\n", strerror(errno));
        sleep_until(now_ns() + PERIOD_NS);
    }
    if (strcmp(cmd, "poweroff") == 0) power_off("control sector");
    if (strcmp(cmd, "panic") == 0) panic_now();
    if (strcmp(cmd, "agent-stop") == 0)
        stop_agent();
    else if (strcmp(cmd, "ignore-power-button") == 0) {
        ignore_power_button = 1;
        printf("writer: ignoring the ACPI power button from now on\n");
    }
    else if (strcmp(cmd, "agent-start") == 0)
        start_agent();
    else
        printf("writer: ignoring unknown command '%s'\n", cmd);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) {
        fprintf(stderr, "usage: writer DEVICE\n");
        return 2;
    }
    while ((disk = open(argv[1], O_RDWR | O_DIRECT | O_CLOEXEC)) < 0) {
        printf("writer: cannot open %s: %s; retrying\n", argv[1], strerror(errno));
        sleep_until(now_ns() + 1000000000u);
    }
    if (posix_memalign((void **)&sector, 4096, SECTOR) != 0) return 1;
    char boot_id[36];
    read_boot_id(boot_id);
    uint64_t counter = first_counter();
    printf("writer: boot %.36s, first counter %llu\n", boot_id, (unsigned long long)counter);

    start_agent();

    uint64_t next = now_ns();
    for (;;) {
        reap();
        poll_control();
        if (power_button_pressed()) {
            if (ignore_power_button)
                printf("writer: ACPI power button ignored\n");
            else
                power_off("ACPI power button");
        }

        memset(sector, 0, SECTOR);
        memcpy(sector, REC_MAGIC, 8);
        memcpy(sector + 8, boot_id, 36);
        put_u64le(sector + 44, counter);
        put_u64le(sector + 52, now_ns());
        /* On failure the same counter is tried again next period: QEMU
         * normally pauses the guest on an I/O error, so this is rare. */
        if (write_sector(RING_START + counter % RING_SECTORS) == 0)
            counter++;
        else
            printf("writer: writing record %llu failed: %s\n", (unsigned long long)counter,
                   strerror(errno));

        next += PERIOD_NS;
        uint64_t t = now_ns();
        if (next < t) next = t; /* after a pause, do not write a burst */
        sleep_until(next);
    }
}
