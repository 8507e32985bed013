// Call-progress tones inside the line engine: the country's tone table (handed over from JS, where
// src/media/tones.ts is the one source of truth), a generator (a sim CO line plays dial and busy
// tone) and a classifier (a sim phone says what it hears; an FXO port detects busy/congestion).
// The classifier is Goertzel-based over 20 ms blocks plus cadence matching: it names a tone only
// when the frequencies and the sequence of on/off durations fit exactly one tone of the table
// better than any other ("tone" while still ambiguous).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pbx {

constexpr int kBlockSamples = 160;  // 20 ms at 8 kHz
constexpr int kBlockMs = 20;
constexpr int kSampleRate = 8000;

struct TonePart {
  int f1 = 0;  // Hz, 0 = none
  int f2 = 0;
  int ms = 0;  // 0 = forever
};

struct ToneDef {
  std::string name;  // "dial", "ringback", "busy", "congestion"
  std::vector<TonePart> parts;
};

/** Plays one ToneDef, cadence repeating, from sample 0. */
class ToneGenerator {
 public:
  void Start(const ToneDef* tone);
  void Stop() { tone_ = nullptr; }
  bool active() const { return tone_ != nullptr; }
  /** Fills n samples (silence when stopped). */
  void Fill(int16_t* out, int n);

 private:
  const ToneDef* tone_ = nullptr;
  size_t part_ = 0;
  int part_pos_ = 0;  // samples into the current part
  double phase1_ = 0, phase2_ = 0;
};

/** Names the call-progress tone in a stream of 20 ms blocks. */
class ToneClassifier {
 public:
  explicit ToneClassifier(const std::vector<ToneDef>* tones) : tones_(tones) {}
  void Feed(const int16_t* block);  // kBlockSamples samples
  /** "dial", "ringback", "busy", "congestion", "silence", "tone" (unnamed) or "audio". */
  const std::string& current() const { return current_; }
  /**
   * Bursts and pauses of the current tone's cadence heard so far, the current run included (a
   * busy count of N cycles is reached at 2N-1: the Nth burst); 0 when no tone is named.
   */
  int Matched() const;
  void Reset();

 private:
  int ClassifyBlock(const int16_t* block);  // index into sets_, -1 silence, -2 other audio
  int ClassOf(const TonePart& p) const;     // -1 for a silent part
  /** How many recent segments fit `tone`'s cadence ending at the current one; -1: does not fit. */
  int Score(const ToneDef& tone) const;
  std::string Name() const;
  /** Every tone scoring `best` is busy or congestion. */
  bool TiesAreBusyOrCongestion(int best) const;
  void BuildSets();

  struct Segment {
    int cls;
    int ms;
  };
  // Enough for chan_dahdi's largest busycount (20 cycles: 40 runs) plus the oldest, unused run.
  static constexpr size_t kHistory = 42;

  const std::vector<ToneDef>* tones_;
  std::vector<std::pair<int, int>> sets_;  // distinct frequency sets of the table
  std::vector<int> set_class_;             // the class of each set (sets within one bin share one)
  bool busy_like_congestion_ = false;      // the table's busy and congestion sound alike
  bool built_ = false;
  int run_class_ = -1;  // class of the current run
  int run_ms_ = 0;
  bool absorbed_ = false;          // the previous block was an edge block folded into the run
  std::vector<Segment> history_;   // completed runs, newest last
  std::string current_ = "silence";
};

}  // namespace pbx
