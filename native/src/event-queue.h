// The queue of line events between the engine thread and JS, owned by the JS wrap. It exists so
// that the engine thread never blocks on JS and yet no state-bearing event is lost when JS falls
// behind (an event storm, a JS stall): instead of one bounded queue that drops whatever comes
// when it is full, each class of event has its own rule, applied as the event is queued:
//  - hook changes (offhook/onhook) and port presence (portGone/portBack) coalesce per port: a
//    pair JS has not seen yet that cancels out (off then on again, with no other event of the
//    port between) is removed, so a storm collapses to the transitions JS has not seen and the
//    final state is always right;
//  - digits are kept up to `digit_bound` pending per port, then dropped (counted);
//  - everything else (flash, caller ID, ring, polarity, busy, disconnect, dialComplete) is kept,
//    up to kKeptPerPort pending per port (caller ID comes at most once per ring cycle, so only a
//    JS stall of many ring cycles can reach it), then dropped (counted).
// JS is woken once per batch ("events pending"); it takes every pending event in one Drain.
// Free of Node-API; one mutex, held only for a push or a swap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "port-backend.h"

namespace pbx {

/** What queuing one event did: events merged away, events lost, and whether JS must be woken. */
struct PushResult {
  uint32_t coalesced = 0;
  uint32_t dropped = 0;
  bool wake = false;
};

class EventQueue {
 public:
  /** State-bearing events pending per port beyond which new ones are dropped. */
  static constexpr size_t kKeptPerPort = 16;

  explicit EventQueue(size_t digit_bound = 64) : digit_bound_(digit_bound) {}

  /** Engine thread: queues `ev` by its class's rule. `wake` is true when no wake-up was pending. */
  PushResult Push(const LineEvent& ev);
  /** JS thread: takes every pending event (in order) and clears the pending wake-up. */
  void Drain(std::vector<LineEvent>* out);
  /** JS thread: puts events JS could not take back at the front; true when a wake-up is needed. */
  bool Requeue(std::vector<LineEvent>&& rest);
  void Clear();
  void set_digit_bound(size_t n) { digit_bound_ = n; }
  /** The largest batch JS has taken at once (how far JS fell behind). */
  uint64_t max_backlog() const;
  size_t pending() const;

 private:
  struct PortCounts {
    size_t digits = 0;
    size_t kept = 0;
  };
  PortCounts& Counts(int port);
  void Recount();

  size_t digit_bound_;
  mutable std::mutex mu_;
  std::deque<LineEvent> q_;
  std::vector<PortCounts> counts_;  // by port number
  bool wake_pending_ = false;
  uint64_t max_backlog_ = 0;
};

}  // namespace pbx
