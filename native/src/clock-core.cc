#include "clock-core.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

namespace pbx {

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

static timespec ToTimespec(int64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  return ts;
}

ClockCore::ClockCore(const ClockConfig& config) : config_(config) {}

ClockCore::~ClockCore() { Stop(); }

int ClockCore::Start(TickSink* sink) {
  if (running_) return EBUSY;
  sink_ = sink;
  slots_.assign(static_cast<size_t>(config_.queue_size) + 2, TickSlot{0, 0});
  slot_seq_ = 0;
  ticks_.store(0, std::memory_order_relaxed);
  overruns_.store(0, std::memory_order_relaxed);
  dropped_.store(0, std::memory_order_relaxed);
  realtime_.store(false, std::memory_order_relaxed);
  realtime_error_.store(0, std::memory_order_relaxed);
  wake_late_.Reset();

  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (timer_fd_ < 0) return errno;
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    int err = errno;
    CloseFds();
    return err;
  }
  // Absolute first deadline plus a fixed interval: the kernel counts expirations from
  // start + n * period, so late wake-ups never shift later deadlines.
  start_ns_ = MonotonicNs();
  itimerspec spec;
  spec.it_value = ToTimespec(start_ns_ + config_.period_ns);
  spec.it_interval = ToTimespec(config_.period_ns);
  if (timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    int err = errno;
    CloseFds();
    return err;
  }
  int rc = pthread_create(&thread_, nullptr, &ClockCore::ThreadMain, this);
  if (rc != 0) {
    CloseFds();
    return rc;
  }
  // Named here rather than in the thread, so the name is set before start() returns; tools
  // (top -H, /proc/PID/task/*/comm) and the tests find the clock thread by it.
  pthread_setname_np(thread_, "pbx-clock");
  running_ = true;
  return 0;
}

void ClockCore::Stop() {
  if (!running_) return;
  uint64_t one = 1;
  // The eventfd is non-blocking and only ever written once per run: this cannot fail short.
  ssize_t w = write(stop_fd_, &one, sizeof one);
  (void)w;
  pthread_join(thread_, nullptr);
  running_ = false;
  // Periods that elapsed after the thread's last read still passed: count them, so the tick
  // count always matches elapsed time.
  uint64_t expirations = 0;
  if (read(timer_fd_, &expirations, sizeof expirations) == static_cast<ssize_t>(sizeof expirations)) {
    AddExpirations(expirations);
  }
  CloseFds();
  sink_ = nullptr;
}

void ClockCore::CloseFds() {
  if (timer_fd_ >= 0) close(timer_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
  timer_fd_ = -1;
  stop_fd_ = -1;
}

void ClockCore::AddExpirations(uint64_t expirations) {
  ticks_.fetch_add(expirations, std::memory_order_relaxed);
  if (expirations > 1) overruns_.fetch_add(expirations - 1, std::memory_order_relaxed);
}

void* ClockCore::ThreadMain(void* self) {
  static_cast<ClockCore*>(self)->Run();
  return nullptr;
}

void ClockCore::Run() {
  if (config_.want_realtime) {
    // SCHED_FIFO when the process may (root or RLIMIT_RTPRIO); otherwise stay SCHED_OTHER and
    // say so in the stats. Never mlockall: V8 aborts on exit with locked memory.
    sched_param param{};
    param.sched_priority = config_.priority;
    int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
    realtime_.store(rc == 0, std::memory_order_relaxed);
    realtime_error_.store(rc, std::memory_order_relaxed);
  }
  pollfd fds[2] = {{timer_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  for (;;) {
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    uint64_t expirations = 0;
    if (read(timer_fd_, &expirations, sizeof expirations) != static_cast<ssize_t>(sizeof expirations)) continue;
    int64_t now = MonotonicNs();
    AddExpirations(expirations);
    uint64_t ticks = ticks_.load(std::memory_order_relaxed);
    int64_t deadline = DeadlineNs(ticks);
    wake_late_.Record(now - deadline);

    TickSlot* slot = &slots_[slot_seq_ % slots_.size()];
    slot->ticks = ticks;
    slot->deadline_ns = deadline;
    switch (sink_->Deliver(slot)) {
      case DeliverResult::kQueued:
        slot_seq_++;
        break;
      case DeliverResult::kQueueFull:
        // JS is behind: this tick is coalesced into the next delivery, whose tick count shows
        // how many periods passed.
        dropped_.fetch_add(1, std::memory_order_relaxed);
        break;
      case DeliverResult::kClosing:
        return;
    }
  }
}

ClockStats ClockCore::Stats() const {
  ClockStats s;
  s.ticks = ticks_.load(std::memory_order_relaxed);
  s.overruns = overruns_.load(std::memory_order_relaxed);
  s.dropped_deliveries = dropped_.load(std::memory_order_relaxed);
  s.max_wake_late_ns = wake_late_.MaxNs();
  s.p50_wake_late_ns = wake_late_.QuantileNs(0.5);
  s.p99_wake_late_ns = wake_late_.QuantileNs(0.99);
  s.realtime = realtime_.load(std::memory_order_relaxed);
  s.realtime_error = realtime_error_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace pbx
