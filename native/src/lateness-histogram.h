// A fixed-size lateness histogram: recording is one relaxed atomic increment (no allocation, no
// lock), so the clock thread can record while the JS thread reads percentiles.
#pragma once

#include <atomic>
#include <cstdint>

namespace pbx {

class LatenessHistogram {
 public:
  // 10 us buckets up to 20 ms (a whole 20 ms period at fine resolution), then 1 ms buckets up
  // to 1 s, then one overflow bucket.
  static constexpr int64_t kFineNs = 10'000;
  static constexpr int kFineBuckets = 2000;
  static constexpr int64_t kCoarseNs = 1'000'000;
  static constexpr int kCoarseBuckets = 980;
  static constexpr int kBuckets = kFineBuckets + kCoarseBuckets + 1;

  void Reset() {
    for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
    count_.store(0, std::memory_order_relaxed);
    max_ns_.store(0, std::memory_order_relaxed);
  }

  void Record(int64_t late_ns) {
    if (late_ns < 0) late_ns = 0;
    buckets_[BucketOf(late_ns)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    int64_t prev = max_ns_.load(std::memory_order_relaxed);
    while (late_ns > prev && !max_ns_.compare_exchange_weak(prev, late_ns, std::memory_order_relaxed)) {
    }
  }

  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  int64_t MaxNs() const { return max_ns_.load(std::memory_order_relaxed); }

  // The upper edge of the bucket holding quantile q (0..1): an upper bound on the true value,
  // at most one bucket width above it; capped by the exact maximum.
  int64_t QuantileNs(double q) const {
    uint64_t total = Count();
    if (total == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total));
    if (rank >= total) rank = total - 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; i++) {
      seen += buckets_[i].load(std::memory_order_relaxed);
      if (seen > rank) {
        int64_t edge = UpperEdgeNs(i);
        int64_t max = MaxNs();
        return edge < max ? edge : max;
      }
    }
    return MaxNs();
  }

 private:
  static int BucketOf(int64_t ns) {
    if (ns < kFineNs * kFineBuckets) return static_cast<int>(ns / kFineNs);
    int64_t coarse = (ns - kFineNs * kFineBuckets) / kCoarseNs;
    if (coarse < kCoarseBuckets) return kFineBuckets + static_cast<int>(coarse);
    return kBuckets - 1;
  }

  static int64_t UpperEdgeNs(int i) {
    if (i < kFineBuckets) return (i + 1) * kFineNs;
    if (i < kFineBuckets + kCoarseBuckets) return kFineNs * kFineBuckets + (i - kFineBuckets + 1) * kCoarseNs;
    return INT64_MAX;
  }

  std::atomic<uint32_t> buckets_[kBuckets] = {};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> max_ns_{0};
};

}  // namespace pbx
