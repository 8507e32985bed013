/*
 * rtp-load: RTP load generator and meter for bench/relay/relay.load.ts (compiled with gcc at
 * bench time). It plays both phones of N calls: socket 2i is call i's caller leg, 2i+1 its callee
 * leg. Every socket sends one G.711 packet (12-byte RTP header + 160 bytes) every 20 ms to its
 * target (the relay's port for that leg) and expects its partner's packets back through the relay.
 * The sends are spread evenly over the 20 ms (one global schedule: slot s is socket s mod 2N at
 * start + s * 20 ms / 2N), so the load is steady instead of 2N packets in one burst.
 *
 * The payload carries a magic, the sending socket's index, a sequence number, the send time
 * (CLOCK_MONOTONIC ns) and whether the packet belongs to the measured window. A relay that
 * rewrites the RTP header (SSRC, sequence, timestamp, payload type) leaves the payload alone
 * when both legs use the same codec, so the receiver can count loss and one-way delay.
 *
 * Protocol on stdin/stdout (one line each):
 *   -> PORTS p0 p1 ... p(2N-1)          the RTP ports bound (even; port+1 is bound as an RTCP sink)
 *   <- TARGETS t0 t1 ... t(2N-1)        where socket j sends (127.0.0.1:tj)
 *   -> MEASURE_START                     after WARMUP_MS of sending
 *   -> MEASURE_END                       after MEASURE_MS more; sending stops
 *   -> RESULT key=value ...              after DRAIN_MS of receiving only; then exit 0
 *
 * Usage: rtp-load N BASEPORT WARMUP_MS MEASURE_MS DRAIN_MS LATE_US
 * Every loop is bounded by the schedule; the process ends by itself after
 * WARMUP_MS + MEASURE_MS + DRAIN_MS (plus at most 60 s waiting for TARGETS).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PACKET 172
#define PAYLOAD_OFF 12
#define INTERVAL_NS 20000000LL
#define HIST_BIN_NS 10000LL /* 10 µs bins */
#define HIST_BINS 100000    /* up to 1 s */
#define BATCH 16
#define MAGIC 0x524c4231u /* "RLB1" */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec + (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}

static int bind_udp(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int buf = 256 * 1024;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Reads one whitespace-separated unsigned integer from stdin; -1 at end of input. */
static long read_number(void) {
  int c;
  long v = 0;
  int any = 0;
  while ((c = getchar()) != EOF) {
    if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      any = 1;
    } else if (any) {
      return v;
    }
  }
  return any ? v : -1;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: rtp-load N BASEPORT WARMUP_MS MEASURE_MS DRAIN_MS LATE_US\n");
    return 2;
  }
  const int n = atoi(argv[1]);
  const int base = atoi(argv[2]);
  const int64_t warmup = atoll(argv[3]) * 1000000LL;
  const int64_t measure = atoll(argv[4]) * 1000000LL;
  const int64_t drain = atoll(argv[5]) * 1000000LL;
  const int64_t late_ns = atoll(argv[6]) * 1000LL;
  const int socks = 2 * n;
  if (n <= 0 || n > 20000 || base < 1024) {
    fprintf(stderr, "rtp-load: bad arguments\n");
    return 2;
  }

  int *fd = calloc((size_t)socks, sizeof *fd);
  int *sink = calloc((size_t)socks, sizeof *sink);
  int *port = calloc((size_t)socks, sizeof *port);
  struct sockaddr_in *target = calloc((size_t)socks, sizeof *target);
  uint32_t *seq = calloc((size_t)socks, sizeof *seq);
  uint64_t *got = calloc((size_t)socks, sizeof *got);
  uint32_t *hist = calloc(HIST_BINS, sizeof *hist);
  if (!fd || !sink || !port || !target || !seq || !got || !hist) return 3;

  int next = base + (base & 1);
  for (int j = 0; j < socks; j++) {
    for (;;) {
      if (next > 65532) {
        fprintf(stderr, "rtp-load: ran out of ports\n");
        return 4;
      }
      int a = bind_udp(next);
      int b = a >= 0 ? bind_udp(next + 1) : -1;
      if (a >= 0 && b >= 0) {
        fd[j] = a;
        sink[j] = b;
        port[j] = next;
        next += 2;
        break;
      }
      if (a >= 0) close(a);
      next += 2;
    }
  }
  printf("PORTS");
  for (int j = 0; j < socks; j++) printf(" %d", port[j]);
  printf("\n");
  fflush(stdout);

  /* TARGETS t0 ... ; the word itself is skipped by read_number. */
  for (int j = 0; j < socks; j++) {
    long t = read_number();
    if (t <= 0 || t > 65535) {
      fprintf(stderr, "rtp-load: expected %d target ports, got %d\n", socks, j);
      return 5;
    }
    target[j].sin_family = AF_INET;
    target[j].sin_port = htons((uint16_t)t);
    target[j].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Connected: send() skips the per-packet route lookup, and only the relay's port for this
       leg can deliver to it (the relay sends from the port it receives on). */
    if (connect(fd[j], (struct sockaddr *)&target[j], sizeof target[j]) < 0) {
      fprintf(stderr, "rtp-load: connect failed\n");
      return 5;
    }
  }

  int ep = epoll_create1(EPOLL_CLOEXEC);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  struct itimerspec its = {.it_interval = {0, 500000}, .it_value = {0, 500000}};
  timerfd_settime(tfd, 0, &its, NULL);
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.u64 = (uint64_t)-1;
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
  for (int j = 0; j < socks; j++) {
    ev.data.u64 = (uint64_t)j;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd[j], &ev);
    ev.data.u64 = (uint64_t)(socks + j);
    epoll_ctl(ep, EPOLL_CTL_ADD, sink[j], &ev);
  }

  const int64_t start = now_ns();
  const int64_t m_start = start + warmup;
  const int64_t m_end = m_start + measure;
  const int64_t stop_at = m_end + drain;
  const int64_t slot_ns = INTERVAL_NS / socks > 0 ? INTERVAL_NS / socks : 1;
  /* Slot arithmetic in ns: slot s is due at start + s * INTERVAL / socks. */
  int64_t s = 0;
  int started = 0, ended = 0;
  int64_t cpu_start = 0, cpu_end = 0;
  uint64_t sent_measured = 0, sent_total = 0, send_errors = 0, recv_measured = 0, recv_total = 0;
  uint64_t late = 0, misrouted = 0, foreign = 0, rtcp = 0, reordered = 0, sender_late = 0;
  int64_t sender_lag_max = 0, delay_max = 0;
  uint32_t *last_seq = calloc((size_t)socks, sizeof *last_seq);

  unsigned char out[PACKET];
  memset(out, 0xff, sizeof out); /* µ-law silence */
  out[0] = 0x80;
  out[1] = 0; /* PCMU */

  unsigned char in[BATCH][256];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = in[i];
    iov[i].iov_len = sizeof in[i];
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  struct epoll_event events[512];

  for (;;) {
    int64_t now = now_ns();
    if (!started && now >= m_start) {
      started = 1;
      cpu_start = cpu_us();
      printf("MEASURE_START\n");
      fflush(stdout);
    }
    if (!ended && now >= m_end) {
      ended = 1;
      cpu_end = cpu_us();
      printf("MEASURE_END\n");
      fflush(stdout);
    }
    if (now >= stop_at) break;
    /* Send everything due (nothing after the measured window). */
    while (now < m_end) {
      int64_t due = start + (s / socks) * INTERVAL_NS + (s % socks) * slot_ns;
      if (due > now) break;
      int j = (int)(s % socks);
      int64_t lag = now - due;
      if (lag > sender_lag_max) sender_lag_max = lag;
      if (lag > 5000000LL) sender_late++;
      uint32_t q = seq[j]++;
      int measured = due >= m_start && due < m_end;
      out[2] = (unsigned char)(q >> 8);
      out[3] = (unsigned char)q;
      uint32_t ts = q * 160u, ssrc = 0x10000u + (uint32_t)j, magic = MAGIC, idx = (uint32_t)j;
      uint32_t tsn = htonl(ts), ssrcn = htonl(ssrc);
      memcpy(out + 4, &tsn, 4);
      memcpy(out + 8, &ssrcn, 4);
      memcpy(out + PAYLOAD_OFF, &magic, 4);
      memcpy(out + PAYLOAD_OFF + 4, &idx, 4);
      memcpy(out + PAYLOAD_OFF + 8, &q, 4);
      int64_t t = now_ns();
      memcpy(out + PAYLOAD_OFF + 12, &t, 8);
      out[PAYLOAD_OFF + 20] = (unsigned char)measured;
      if (send(fd[j], out, PACKET, 0) != PACKET) send_errors++;
      else {
        sent_total++;
        if (measured) sent_measured++;
      }
      s++;
    }
    int k = epoll_wait(ep, events, 512, 1);
    for (int e = 0; e < k; e++) {
      uint64_t id = events[e].data.u64;
      if (id == (uint64_t)-1) {
        uint64_t ticks;
        if (read(tfd, &ticks, sizeof ticks) < 0) { /* nothing to do */ }
        continue;
      }
      int isSink = id >= (uint64_t)socks;
      int j = (int)(isSink ? id - (uint64_t)socks : id);
      int r = recvmmsg(isSink ? sink[j] : fd[j], msgs, BATCH, MSG_DONTWAIT, NULL);
      if (r <= 0) continue;
      int64_t t = now_ns();
      for (int i = 0; i < r; i++) {
        unsigned len = msgs[i].msg_len;
        const unsigned char *p = in[i];
        if (isSink) {
          rtcp++;
          continue;
        }
        recv_total++;
        uint32_t magic, idx, q;
        int64_t sent_at;
        if (len != PACKET) {
          if (len >= 2 && p[1] >= 200 && p[1] <= 204) rtcp++;
          else foreign++;
          continue;
        }
        memcpy(&magic, p + PAYLOAD_OFF, 4);
        memcpy(&idx, p + PAYLOAD_OFF + 4, 4);
        memcpy(&q, p + PAYLOAD_OFF + 8, 4);
        memcpy(&sent_at, p + PAYLOAD_OFF + 12, 8);
        if (magic != MAGIC) {
          foreign++;
          continue;
        }
        if (idx != (uint32_t)(j ^ 1)) {
          misrouted++;
          continue;
        }
        got[j]++;
        if (q < last_seq[j]) reordered++;
        last_seq[j] = q;
        if (!p[PAYLOAD_OFF + 20]) continue;
        recv_measured++;
        int64_t d = t - sent_at;
        if (d < 0) d = 0;
        if (d > delay_max) delay_max = d;
        if (d > late_ns) late++;
        int64_t bin = d / HIST_BIN_NS;
        if (bin >= HIST_BINS) bin = HIST_BINS - 1;
        hist[bin]++;
      }
    }
  }
  if (!ended) cpu_end = cpu_us();

  /* Percentiles of the one-way delay from the histogram (upper edge of the bin). */
  int64_t p50 = 0, p99 = 0, p999 = 0;
  uint64_t acc = 0;
  for (int b = 0; b < HIST_BINS && recv_measured > 0; b++) {
    acc += hist[b];
    int64_t edge = (int64_t)(b + 1) * HIST_BIN_NS / 1000;
    if (!p50 && acc * 100 >= recv_measured * 50) p50 = edge;
    if (!p99 && acc * 100 >= recv_measured * 99) p99 = edge;
    if (!p999 && acc * 1000 >= recv_measured * 999) p999 = edge;
  }
  uint64_t silent = 0;
  for (int j = 0; j < socks; j++)
    if (got[j] == 0) silent++;
  printf(
      "RESULT sent=%llu received=%llu late=%llu p50_us=%lld p99_us=%lld p999_us=%lld max_us=%lld sent_total=%llu received_total=%llu "
      "send_errors=%llu misrouted=%llu foreign=%llu rtcp=%llu reordered=%llu silent_legs=%llu sender_lag_max_us=%lld sender_late=%llu "
      "cpu_us=%lld measure_us=%lld\n",
      (unsigned long long)sent_measured, (unsigned long long)recv_measured, (unsigned long long)late, (long long)p50, (long long)p99,
      (long long)p999, (long long)(delay_max / 1000), (unsigned long long)sent_total, (unsigned long long)recv_total,
      (unsigned long long)send_errors, (unsigned long long)misrouted, (unsigned long long)foreign, (unsigned long long)rtcp,
      (unsigned long long)reordered, (unsigned long long)silent, (long long)(sender_lag_max / 1000), (unsigned long long)sender_late,
      (long long)(cpu_end - cpu_start), (long long)(measure / 1000));
  fflush(stdout);
  return 0;
}
