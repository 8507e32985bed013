#include "event-queue.h"

namespace pbx {

namespace {

/** The two-state classes whose changes coalesce: what an event of them sets the port to. */
enum class Toggle { kNone, kHook, kPresence };

Toggle ToggleOf(LineEventType t) {
  switch (t) {
    case LineEventType::kOffhook:
    case LineEventType::kOnhook:
      return Toggle::kHook;
    case LineEventType::kPortGone:
    case LineEventType::kPortBack:
      return Toggle::kPresence;
    default:
      return Toggle::kNone;
  }
}

}  // namespace

EventQueue::PortCounts& EventQueue::Counts(int port) {
  size_t i = port > 0 ? static_cast<size_t>(port) : 0;
  if (i >= counts_.size()) counts_.resize(i + 1);
  return counts_[i];
}

void EventQueue::Recount() {
  counts_.assign(counts_.size(), PortCounts{});
  for (const LineEvent& e : q_) {
    if (e.type == LineEventType::kDigit)
      Counts(e.port).digits++;
    else if (ToggleOf(e.type) == Toggle::kNone)
      Counts(e.port).kept++;
  }
}

PushResult EventQueue::Push(const LineEvent& ev) {
  PushResult r;
  std::lock_guard<std::mutex> lock(mu_);
  Toggle toggle = ToggleOf(ev.type);
  bool queued = false;
  if (toggle != Toggle::kNone) {
    // The port's latest pending event, and the one before it.
    auto last = q_.end();
    auto before = q_.end();
    for (auto it = q_.end(); it != q_.begin();) {
      --it;
      if (it->port != ev.port) continue;
      if (last == q_.end()) {
        last = it;
      } else {
        before = it;
        break;
      }
    }
    if (last != q_.end() && ToggleOf(last->type) == toggle && last->type == ev.type) {
      r.coalesced = 1;  // a repeat of the state JS is about to see
    } else if (last != q_.end() && ToggleOf(last->type) == toggle && before != q_.end() &&
               ToggleOf(before->type) == toggle) {
      // JS will see `before` (the state ev returns to); `last` and ev cancel out.
      q_.erase(last);
      r.coalesced = 2;
    } else {
      q_.push_back(ev);
      queued = true;
    }
  } else if (ev.type == LineEventType::kDigit) {
    PortCounts& c = Counts(ev.port);
    if (c.digits < digit_bound_) {
      c.digits++;
      q_.push_back(ev);
      queued = true;
    } else {
      r.dropped = 1;
    }
  } else {
    PortCounts& c = Counts(ev.port);
    if (c.kept < kKeptPerPort) {
      c.kept++;
      q_.push_back(ev);
      queued = true;
    } else {
      r.dropped = 1;
    }
  }
  if ((queued || !q_.empty()) && !wake_pending_) {
    wake_pending_ = true;
    r.wake = true;
  }
  return r;
}

void EventQueue::Drain(std::vector<LineEvent>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  // Cleared before taking: an event pushed after this lock is released wakes JS again.
  wake_pending_ = false;
  if (q_.size() > max_backlog_) max_backlog_ = q_.size();
  out->assign(std::make_move_iterator(q_.begin()), std::make_move_iterator(q_.end()));
  q_.clear();
  counts_.assign(counts_.size(), PortCounts{});
}

bool EventQueue::Requeue(std::vector<LineEvent>&& rest) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rest.empty()) return false;
  q_.insert(q_.begin(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  Recount();
  if (wake_pending_) return false;
  wake_pending_ = true;
  return true;
}

void EventQueue::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  q_.clear();
  counts_.assign(counts_.size(), PortCounts{});
  wake_pending_ = false;
  max_backlog_ = 0;
}

uint64_t EventQueue::max_backlog() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_backlog_;
}

size_t EventQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return q_.size();
}

}  // namespace pbx
