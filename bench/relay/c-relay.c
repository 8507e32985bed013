/*
 * c-relay: the physical reference for bench/relay/relay.load.ts, a minimal RTP relay in C doing
 * what the PBX's relay does per packet, and nothing else: N calls, each a pair of UDP sockets
 * (2i caller side, 2i+1 callee side); a packet received on one socket gets its RTP header
 * rewritten (SSRC to the egress leg's, sequence number and timestamp shifted by a constant
 * offset, payload type set) and leaves through the other socket of the pair to that socket's
 * peer. One thread, epoll (level-triggered), recvmmsg to read, sendmmsg to write. No SIP, no
 * timers, no statistics beyond counters: what a relay cannot do with less.
 *
 * Protocol on stdin/stdout:
 *   -> PORTS p0 ... p(2N-1)        the ports bound on 127.0.0.1
 *   <- PEERS q0 ... q(2N-1)        where socket j sends (127.0.0.1:qj)
 *   (relays until SIGTERM or SIGINT, or MAX_S seconds)
 *   -> RESULT relayed=... ...      on the way out
 *
 * Usage: c-relay N BASEPORT MAX_S
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static int bind_udp(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

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

struct leg {
  int fd;
  struct sockaddr_in peer;
  uint32_t ssrc;     /* our SSRC towards this leg's peer */
  int started;       /* offsets known for packets arriving on this leg */
  uint32_t in_ssrc;
  uint16_t seq_delta;
  uint32_t ts_delta;
  uint16_t next_seq; /* where the egress stream of this leg continues */
  uint32_t next_ts;
};

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: c-relay N BASEPORT MAX_S\n");
    return 2;
  }
  const int n = atoi(argv[1]);
  const int base = atoi(argv[2]);
  const int max_s = atoi(argv[3]);
  const int socks = 2 * n;
  if (n <= 0 || n > 20000 || base < 1024 || max_s <= 0) return 2;
  struct leg *leg = calloc((size_t)socks, sizeof *leg);
  if (!leg) return 3;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);

  int next = base;
  printf("PORTS");
  for (int j = 0; j < socks; j++) {
    for (;;) {
      if (next > 65535) return 4;
      int fd = bind_udp(next++);
      if (fd >= 0) {
        leg[j].fd = fd;
        printf(" %d", next - 1);
        break;
      }
    }
    leg[j].ssrc = 0xc0000000u + (uint32_t)j;
    leg[j].next_seq = (uint16_t)(j * 7919);
    leg[j].next_ts = (uint32_t)j * 104729u;
  }
  printf("\n");
  fflush(stdout);
  for (int j = 0; j < socks; j++) {
    long q = read_number();
    if (q <= 0 || q > 65535) {
      fprintf(stderr, "c-relay: expected %d peer ports, got %d\n", socks, j);
      return 5;
    }
    leg[j].peer.sin_family = AF_INET;
    leg[j].peer.sin_port = htons((uint16_t)q);
    leg[j].peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }

  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int j = 0; j < socks; j++) {
    struct epoll_event ev = {.events = EPOLLIN};
    ev.data.u32 = (uint32_t)j;
    epoll_ctl(ep, EPOLL_CTL_ADD, leg[j].fd, &ev);
  }

  static unsigned char buf[BATCH][2048];
  struct iovec iov[BATCH];
  struct mmsghdr in[BATCH], out[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = buf[i];
    iov[i].iov_len = sizeof buf[i];
    memset(&in[i], 0, sizeof in[i]);
    in[i].msg_hdr.msg_iov = &iov[i];
    in[i].msg_hdr.msg_iovlen = 1;
  }
  struct iovec oiov[BATCH];
  uint64_t relayed = 0, send_errors = 0, short_packets = 0;
  struct epoll_event events[512];
  time_t deadline = time(NULL) + max_s;

  while (!stop && time(NULL) < deadline) {
    int k = epoll_wait(ep, events, 512, 200);
    for (int e = 0; e < k; e++) {
      int j = (int)events[e].data.u32;
      struct leg *from = &leg[j];
      struct leg *to = &leg[j ^ 1];
      int r = recvmmsg(from->fd, in, BATCH, MSG_DONTWAIT, NULL);
      if (r <= 0) continue;
      int m = 0;
      for (int i = 0; i < r; i++) {
        unsigned char *p = buf[i];
        unsigned len = in[i].msg_len;
        if (len < 12 || (p[0] >> 6) != 2) {
          short_packets++;
          continue;
        }
        uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
        uint32_t ts, ssrc;
        memcpy(&ts, p + 4, 4);
        memcpy(&ssrc, p + 8, 4);
        ts = ntohl(ts);
        ssrc = ntohl(ssrc);
        if (!from->started || ssrc != from->in_ssrc) {
          from->started = 1;
          from->in_ssrc = ssrc;
          from->seq_delta = (uint16_t)(to->next_seq - seq);
          from->ts_delta = to->next_ts - ts;
          p[1] |= 0x80; /* marker: a new talkspurt for the egress peer */
        }
        uint16_t oseq = (uint16_t)(seq + from->seq_delta);
        uint32_t ots = htonl(ts + from->ts_delta), ossrc = htonl(to->ssrc);
        p[1] = (unsigned char)((p[1] & 0x80) | 0); /* PCMU on both legs */
        p[2] = (unsigned char)(oseq >> 8);
        p[3] = (unsigned char)oseq;
        memcpy(p + 4, &ots, 4);
        memcpy(p + 8, &ossrc, 4);
        to->next_seq = (uint16_t)(oseq + 1);
        to->next_ts = ts + from->ts_delta + 160;
        oiov[m].iov_base = p;
        oiov[m].iov_len = len;
        memset(&out[m], 0, sizeof out[m]);
        out[m].msg_hdr.msg_iov = &oiov[m];
        out[m].msg_hdr.msg_iovlen = 1;
        out[m].msg_hdr.msg_name = &to->peer;
        out[m].msg_hdr.msg_namelen = sizeof to->peer;
        m++;
      }
      if (m > 0) {
        int w = sendmmsg(to->fd, out, (unsigned)m, MSG_DONTWAIT);
        if (w < 0) w = 0;
        relayed += (uint64_t)w;
        send_errors += (uint64_t)(m - w);
      }
    }
  }
  printf("RESULT relayed=%llu send_errors=%llu short=%llu\n", (unsigned long long)relayed, (unsigned long long)send_errors,
         (unsigned long long)short_packets);
  fflush(stdout);
  return 0;
}
