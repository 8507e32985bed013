// A single-producer single-consumer ring of 16-bit samples: the line engine thread on one side,
// the JS thread on the other, no lock. Capacity is a power of two fixed at construction; a
// producer that finds it full drops the newest samples and counts them, so neither side blocks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pbx {

class AudioRing {
 public:
  explicit AudioRing(size_t capacity_pow2) : buf_(capacity_pow2), mask_(capacity_pow2 - 1) {}

  /** Producer: appends up to n samples; returns how many fit (the rest are counted as dropped). */
  size_t Write(const int16_t* in, size_t n) {
    uint64_t head = head_.load(std::memory_order_relaxed);
    uint64_t tail = tail_.load(std::memory_order_acquire);
    size_t room = buf_.size() - static_cast<size_t>(head - tail);
    size_t k = n < room ? n : room;
    for (size_t i = 0; i < k; i++) buf_[(head + i) & mask_] = in[i];
    head_.store(head + k, std::memory_order_release);
    if (k < n) dropped_.fetch_add(n - k, std::memory_order_relaxed);
    return k;
  }

  /** Consumer: takes up to n samples; returns how many were there. */
  size_t Read(int16_t* out, size_t n) {
    uint64_t tail = tail_.load(std::memory_order_relaxed);
    uint64_t head = head_.load(std::memory_order_acquire);
    size_t avail = static_cast<size_t>(head - tail);
    size_t k = n < avail ? n : avail;
    for (size_t i = 0; i < k; i++) out[i] = buf_[(tail + i) & mask_];
    tail_.store(tail + k, std::memory_order_release);
    return k;
  }

  size_t Available() const {
    return static_cast<size_t>(head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire));
  }
  uint64_t Dropped() const { return dropped_.load(std::memory_order_relaxed); }
  size_t Capacity() const { return buf_.size(); }

 private:
  std::vector<int16_t> buf_;
  size_t mask_;
  std::atomic<uint64_t> head_{0};
  std::atomic<uint64_t> tail_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace pbx
