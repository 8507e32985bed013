// The media clock thread, free of Node-API so its logic reads on its own: a timerfd on
// CLOCK_MONOTONIC armed with an absolute first deadline and a fixed interval, so tick n is due at
// start + n * period whatever the lateness of earlier wake-ups (no drift), and each read returns
// how many periods passed (no lost ticks: extra expirations are counted as overruns).
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "lateness-histogram.h"

namespace pbx {

int64_t MonotonicNs();

/** One tick handed to the sink: the cumulative tick count and that tick's deadline. */
struct TickSlot {
  uint64_t ticks;
  int64_t deadline_ns;
};

enum class DeliverResult { kQueued, kQueueFull, kClosing };

/** Where ticks go (the thread-safe function towards JS). Called on the clock thread only. */
class TickSink {
 public:
  virtual ~TickSink() = default;
  virtual DeliverResult Deliver(TickSlot* slot) = 0;
};

struct ClockConfig {
  int64_t period_ns = 20'000'000;
  bool want_realtime = true;
  int priority = 20;
  int queue_size = 4;
};

struct ClockStats {
  uint64_t ticks;
  uint64_t overruns;
  uint64_t dropped_deliveries;
  int64_t max_wake_late_ns;
  int64_t p50_wake_late_ns;
  int64_t p99_wake_late_ns;
  bool realtime;
  int realtime_error;  // errno from pthread_setschedparam, 0 if SCHED_FIFO was granted or not asked
};

class ClockCore {
 public:
  explicit ClockCore(const ClockConfig& config);
  ~ClockCore();
  ClockCore(const ClockCore&) = delete;
  ClockCore& operator=(const ClockCore&) = delete;

  /** Starts the thread; 0 or an errno. Called from the owning (JS) thread only. */
  int Start(TickSink* sink);
  /** Stops and joins the thread; idempotent. Afterwards no more Deliver calls happen. */
  void Stop();
  bool running() const { return running_; }

  const ClockConfig& config() const { return config_; }
  int64_t DeadlineNs(uint64_t ticks) const { return start_ns_ + static_cast<int64_t>(ticks) * config_.period_ns; }
  ClockStats Stats() const;

 private:
  static void* ThreadMain(void* self);
  void Run();
  void AddExpirations(uint64_t expirations);
  void CloseFds();

  const ClockConfig config_;
  TickSink* sink_ = nullptr;
  pthread_t thread_{};
  bool running_ = false;
  int timer_fd_ = -1;
  int stop_fd_ = -1;
  int64_t start_ns_ = 0;

  // Ring of tick slots, allocated at Start: a slot is rewritten only after queue_size + 1 later
  // deliveries were accepted, so a slot still queued or being read by JS is never overwritten.
  std::vector<TickSlot> slots_;
  uint64_t slot_seq_ = 0;  // clock thread only

  std::atomic<uint64_t> ticks_{0};
  std::atomic<uint64_t> overruns_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> realtime_{false};
  std::atomic<int> realtime_error_{0};
  LatenessHistogram wake_late_;
};

}  // namespace pbx
