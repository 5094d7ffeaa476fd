// mixload: the open-loop HTTP/1.1 generator of the REST mix (bench/h2load-mix.ts).
//
// Each stream is one identity's requests: its own raw requests (its token in
// them), its rate and its count, sent on one keep-alive connection, request i
// due at the stream's start + i / rate and sent when due and the connection
// is free. That is what one `h2load --h1 -c1 -m1 --rps` process does, but
// every stream shares one process and one epoll loop: h2load takes its
// headers per process, so the mix needed a process per identity, whose
// start-up and timers cost about as much CPU per request as Chirp itself.
//
// Usage: mixload HOST PORT PLAN. PLAN is text: "streams N", then per stream
// "stream RATE COUNT LOGFILE NREQS" and NREQS requests, each a line with its
// byte length and then its bytes (sent in turn, cycling). Each stream's log
// has h2load's format: one line per answer, "start_us<TAB>status<TAB>
// duration_us" (start in microseconds since the epoch; status -1 when the
// connection failed under the request).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { DOWN, IDLE, WRITING, READING };

typedef struct {
  char *bytes;
  size_t len;
} request_t;

typedef struct {
  double rate;
  long count, sent, answered;
  long long t0;  // first request due, monotonic µs
  request_t *reqs;
  long nreqs;
  FILE *log;
  int fd, state;
  long long start_wall, start_mono;  // of the request in flight
  const request_t *out;
  size_t out_off;
  char *in;
  size_t in_len, in_cap;
} stream_t;

static struct sockaddr_storage addr;
static socklen_t addr_len;
static int ep;

static long long now_us(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void die(const char *what) {
  fprintf(stderr, "mixload: %s: %s\n", what, errno ? strerror(errno) : "bad input");
  exit(1);
}

static void finish(stream_t *s, int status) {
  fprintf(s->log, "%lld\t%d\t%lld\n", s->start_wall, status, now_us(CLOCK_MONOTONIC) - s->start_mono);
  s->answered++;
}

static void drop(stream_t *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->state = DOWN;
  s->in_len = 0;
}

static int dial(stream_t *s) {
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Blocking connect: the server is on this machine, and a refused connection
  // must fail the request now rather than later.
  if (connect(fd, (struct sockaddr *)&addr, addr_len) < 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  s->fd = fd;
  s->state = IDLE;
  return 0;
}

static void want_out(stream_t *s, int on) {
  struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = s};
  epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
}

static void flush_out(stream_t *s) {
  while (s->out_off < s->out->len) {
    ssize_t n = write(s->fd, s->out->bytes + s->out_off, s->out->len - s->out_off);
    if (n < 0 && errno == EAGAIN) {
      if (s->state != WRITING) want_out(s, 1);
      s->state = WRITING;
      return;
    }
    if (n <= 0) {
      finish(s, -1);
      drop(s);
      return;
    }
    s->out_off += (size_t)n;
  }
  if (s->state == WRITING) want_out(s, 0);
  s->state = READING;
}

static void send_next(stream_t *s) {
  s->start_wall = now_us(CLOCK_REALTIME);
  s->start_mono = now_us(CLOCK_MONOTONIC);
  s->out = &s->reqs[s->sent % s->nreqs];
  s->out_off = 0;
  s->sent++;
  if (s->state == DOWN && dial(s) < 0) {
    finish(s, -1);
    return;
  }
  flush_out(s);
}

// Case-insensitive search for a header's value within the head [p, end).
static const char *header(const char *p, const char *end, const char *name) {
  size_t n = strlen(name);
  for (; p < end; p++) {
    if (p[0] == '\n' && end - p > (long)n && strncasecmp(p + 1, name, n) == 0) {
      p += 1 + n;
      while (p < end && (*p == ' ' || *p == '\t')) p++;
      return p;
    }
  }
  return NULL;
}

// Length of the complete response at the head of s->in, 0 if it has not all
// arrived; *status and *close are set when it has.
static size_t complete(stream_t *s, int *status, int *close_after) {
  char *b = s->in;
  size_t len = s->in_len;
  char *head_end = memmem(b, len, "\r\n\r\n", 4);
  if (!head_end) return 0;
  size_t body = (size_t)(head_end - b) + 4;
  if (len < 12 || strncmp(b, "HTTP/1.", 7) != 0) {
    *status = -1;
    *close_after = 1;
    return len;
  }
  *status = atoi(b + 9);
  const char *conn = header(b, head_end, "connection:");
  *close_after = conn && strncasecmp(conn, "close", 5) == 0;
  const char *te = header(b, head_end, "transfer-encoding:");
  if (te && strncasecmp(te, "chunked", 7) == 0) {
    size_t p = body;
    for (;;) {
      char *eol = memmem(b + p, len - p, "\r\n", 2);
      if (!eol) return 0;
      size_t size = strtoul(b + p, NULL, 16);
      p = (size_t)(eol - b) + 2;
      if (size == 0) {
        // Trailers, then an empty line.
        for (;;) {
          char *e = memmem(b + p, len - p, "\r\n", 2);
          if (!e) return 0;
          size_t line = (size_t)(e - (b + p));
          p = (size_t)(e - b) + 2;
          if (line == 0) return p;
        }
      }
      if (len - p < size + 2) return 0;
      p += size + 2;
    }
  }
  const char *cl = header(b, head_end, "content-length:");
  size_t want = body + (cl ? strtoul(cl, NULL, 10) : 0);
  return len >= want ? want : 0;
}

static void on_readable(stream_t *s) {
  int eof = 0;
  for (;;) {
    if (s->in_cap - s->in_len < 16384) {
      s->in_cap = s->in_cap * 2 + 65536;
      s->in = realloc(s->in, s->in_cap);
      if (!s->in) die("realloc");
    }
    ssize_t n = read(s->fd, s->in + s->in_len, s->in_cap - s->in_len);
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      eof = 1;  // after the answers read with it
      break;
    }
    s->in_len += (size_t)n;
  }
  int status, close_after;
  size_t used;
  while (s->state == READING && (used = complete(s, &status, &close_after)) > 0) {
    finish(s, status);
    memmove(s->in, s->in + used, s->in_len - used);
    s->in_len -= used;
    s->state = IDLE;
    if (close_after) drop(s);
  }
  if (eof && s->fd >= 0) {
    if (s->state == READING || s->state == WRITING) finish(s, -1);
    drop(s);
  }
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) die(path);
  b[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return b;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: mixload HOST PORT PLAN\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
  if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0) die("cannot resolve the host");
  memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
  addr_len = ai->ai_addrlen;
  freeaddrinfo(ai);
  if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) die("epoll_create1");

  size_t plan_len;
  char *plan = read_file(argv[3], &plan_len), *p = plan, *end = plan + plan_len;
  long nstreams;
  int used;
  if (sscanf(p, "streams %ld\n%n", &nstreams, &used) != 1 || nstreams <= 0) die("plan: no streams line");
  p += used;
  stream_t *streams = calloc((size_t)nstreams, sizeof *streams);
  for (long i = 0; i < nstreams; i++) {
    stream_t *s = &streams[i];
    char logpath[4096];
    if (sscanf(p, "stream %lf %ld %4095s %ld\n%n", &s->rate, &s->count, logpath, &s->nreqs, &used) != 4 || s->rate <= 0 || s->nreqs <= 0)
      die("plan: bad stream line");
    p += used;
    s->reqs = calloc((size_t)s->nreqs, sizeof *s->reqs);
    for (long k = 0; k < s->nreqs; k++) {
      size_t len;
      if (sscanf(p, "%zu\n%n", &len, &used) != 1 || p + used + len > end) die("plan: bad request");
      s->reqs[k].bytes = p + used;
      s->reqs[k].len = len;
      p += used + len;
    }
    if (!(s->log = fopen(logpath, "w"))) die(logpath);
    setvbuf(s->log, NULL, _IOLBF, 0);  // a line per answer, so the harness can watch the logs grow
    s->fd = -1;
    if (dial(s) < 0) s->state = DOWN;
  }
  // The schedule starts once every connection is open. Streams start spread
  // over one period each (golden-ratio phases), as separately started
  // processes would, not all in the same microsecond.
  long long start = now_us(CLOCK_MONOTONIC) + 10000;
  for (long i = 0; i < nstreams; i++) {
    double phase = fmod(0.6180339887 * (double)i, 1.0);
    streams[i].t0 = start + (long long)(phase * 1e6 / streams[i].rate);
  }

  struct epoll_event events[256];
  for (;;) {
    long long now = now_us(CLOCK_MONOTONIC), next = -1;
    int busy = 0;
    for (long i = 0; i < nstreams; i++) {
      stream_t *s = &streams[i];
      if (s->answered < s->sent) busy = 1;
      if (s->sent >= s->count || s->state == WRITING || s->state == READING) continue;
      long long due = s->t0 + (long long)((double)s->sent * 1e6 / s->rate);
      if (due <= now) {
        send_next(s);
        if (s->answered < s->sent) busy = 1;
        if (s->sent < s->count) next = now;  // more may be due already (it was late)
      } else if (next < 0 || due < next) {
        next = due;
      }
    }
    if (next < 0 && !busy) break;  // everything sent and answered
    struct timespec timeout = {0, 0};
    if (next > now) timeout = (struct timespec){(next - now) / 1000000, ((next - now) % 1000000) * 1000};
    int n = epoll_pwait2(ep, events, 256, next < 0 ? NULL : &timeout, NULL);
    if (n < 0 && errno != EINTR) die("epoll_pwait2");
    for (int k = 0; k < n; k++) {
      stream_t *s = events[k].data.ptr;
      if (s->fd < 0) continue;
      if (s->state == WRITING && (events[k].events & EPOLLOUT)) flush_out(s);
      if (s->fd >= 0 && (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(s);
    }
  }
  for (long i = 0; i < nstreams; i++) fclose(streams[i].log);
  return 0;
}
