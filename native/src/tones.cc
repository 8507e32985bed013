#include "tones.h"

#include <cmath>
#include <algorithm>
#include <cstdlib>

namespace pbx {

namespace {

constexpr double kTwoPi = 6.283185307179586;
constexpr double kAmplitude = 5000.0;  // per component, as src/media/tones.ts: no clipping
constexpr double kSilenceRms = 60.0;   // about -55 dBm0: quieter blocks count as silence

/** Power at `hz` normalised so that a pure sine at hz scores 1 against the block energy. */
double NormPower(const int16_t* x, int n, int hz, double energy) {
  double coeff = 2.0 * std::cos(kTwoPi * hz / kSampleRate);
  double s1 = 0, s2 = 0;
  for (int i = 0; i < n; i++) {
    double s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * power / (static_cast<double>(n) * energy);
}

/**
 * How far a measured burst or pause may be from the table: the sender's cadence may be off by
 * 10% (exchanges' tone cadences are specified to about that), and a run is measured in whole
 * 20 ms blocks with an edge block folded into either side, which adds up to about 25 ms.
 */
// Frequencies closer than this fall in one Goertzel bin of a 20 ms block (1 / 20 ms = 50 Hz).
constexpr int kSameBinHz = 40;

int Tolerance(int ms) { return ms / 10 + 25 > 45 ? ms / 10 + 25 : 45; }

}  // namespace

void ToneGenerator::Start(const ToneDef* tone) {
  tone_ = tone != nullptr && !tone->parts.empty() ? tone : nullptr;
  part_ = 0;
  part_pos_ = 0;
  phase1_ = phase2_ = 0;
}

void ToneGenerator::Fill(int16_t* out, int n) {
  for (int i = 0; i < n; i++) {
    if (tone_ == nullptr) {
      out[i] = 0;
      continue;
    }
    const TonePart& p = tone_->parts[part_];
    double v = 0;
    if (p.f1 > 0) v += kAmplitude * std::sin(phase1_);
    if (p.f2 > 0) v += kAmplitude * std::sin(phase2_);
    phase1_ = std::fmod(phase1_ + kTwoPi * p.f1 / kSampleRate, kTwoPi);
    phase2_ = std::fmod(phase2_ + kTwoPi * p.f2 / kSampleRate, kTwoPi);
    out[i] = static_cast<int16_t>(v);
    if (p.ms > 0 && ++part_pos_ >= p.ms * kSampleRate / 1000) {
      part_pos_ = 0;
      part_ = (part_ + 1) % tone_->parts.size();
    }
  }
}

void ToneClassifier::Reset() {
  run_class_ = -1;
  run_ms_ = 0;
  absorbed_ = false;
  history_.clear();
  current_ = "silence";
}

void ToneClassifier::BuildSets() {
  built_ = true;
  for (const ToneDef& t : *tones_) {
    for (const TonePart& p : t.parts) {
      if (p.f1 == 0 && p.f2 == 0) continue;
      std::pair<int, int> set{p.f1, p.f2};
      if (set.first == 0 || (set.second != 0 && set.second < set.first)) std::swap(set.first, set.second);
      bool known = false;
      for (auto& s : sets_) known = known || s == set;
      if (!known) sets_.push_back(set);
    }
  }
  // Frequency sets a 20 ms block cannot tell apart (all their frequencies within one Goertzel
  // bin, e.g. Australia's 413+438 Hz dial tone, 425 Hz busy and 420 Hz congestion) share one
  // class: the cadence alone then tells the tones apart, as a listener does.
  auto lo = [](const std::pair<int, int>& s) { return s.first; };
  auto hi = [](const std::pair<int, int>& s) { return s.second != 0 ? s.second : s.first; };
  set_class_.assign(sets_.size(), -1);
  for (size_t i = 0; i < sets_.size(); i++) {
    if (set_class_[i] >= 0) continue;
    set_class_[i] = static_cast<int>(i);
    int low = lo(sets_[i]), high = hi(sets_[i]);
    for (size_t j = i + 1; j < sets_.size(); j++) {
      if (set_class_[j] >= 0) continue;
      int l = std::min(low, lo(sets_[j])), h = std::max(high, hi(sets_[j]));
      if (h - l >= kSameBinHz) continue;
      set_class_[j] = static_cast<int>(i);
      low = l;
      high = h;
    }
  }
  // Busy and congestion whose cadences are the same once indistinguishable sets are merged (one
  // a repeat of the other) cannot be told apart at all.
  const ToneDef* busy = nullptr;
  const ToneDef* congestion = nullptr;
  for (const ToneDef& t : *tones_) {
    if (t.name == "busy") busy = &t;
    if (t.name == "congestion") congestion = &t;
  }
  busy_like_congestion_ = busy != nullptr && congestion != nullptr && !busy->parts.empty() &&
                          congestion->parts.size() % busy->parts.size() == 0;
  for (size_t i = 0; busy_like_congestion_ && i < congestion->parts.size(); i++) {
    const TonePart& c = congestion->parts[i];
    const TonePart& b = busy->parts[i % busy->parts.size()];
    busy_like_congestion_ = ClassOf(c) == ClassOf(b) && c.ms == b.ms;
  }
}

int ToneClassifier::ClassOf(const TonePart& p) const {
  if (p.f1 == 0 && p.f2 == 0) return -1;
  for (size_t i = 0; i < sets_.size(); i++) {
    if ((sets_[i].first == p.f1 && sets_[i].second == p.f2) || (sets_[i].first == p.f2 && sets_[i].second == p.f1))
      return set_class_[i];
  }
  return -3;
}

int ToneClassifier::ClassifyBlock(const int16_t* x) {
  double energy = 0;
  for (int i = 0; i < kBlockSamples; i++) energy += static_cast<double>(x[i]) * x[i];
  if (std::sqrt(energy / kBlockSamples) < kSilenceRms) return -1;
  int best = -2;
  double best_explained = 0.7;  // the tone must carry most of the block's energy
  for (size_t i = 0; i < sets_.size(); i++) {
    double p1 = NormPower(x, kBlockSamples, sets_[i].first, energy);
    double explained = p1;
    bool ok = sets_[i].second == 0 ? p1 > 0.6 : p1 > 0.2;
    if (sets_[i].second != 0) {
      double p2 = NormPower(x, kBlockSamples, sets_[i].second, energy);
      ok = ok && p2 > 0.2;
      explained += p2;
    }
    if (ok && explained > best_explained) {
      best_explained = explained;
      best = set_class_[i];
    }
  }
  return best;
}

void ToneClassifier::Feed(const int16_t* block) {
  if (!built_) BuildSets();
  int c = ClassifyBlock(block);
  // A block where a burst starts or stops holds part tone, part silence: fold one such block
  // into the current run instead of breaking the rhythm with a 20 ms "audio" segment.
  if (c == -2 && run_class_ != -2 && !absorbed_) {
    absorbed_ = true;
    c = run_class_;
  } else if (c != -2) {
    absorbed_ = false;
  }
  if (c == run_class_) {
    run_ms_ += kBlockMs;
  } else {
    history_.push_back({run_class_, run_ms_});
    if (history_.size() > kHistory) history_.erase(history_.begin());
    run_class_ = c;
    run_ms_ = kBlockMs;
  }
  current_ = Name();
}

int ToneClassifier::Score(const ToneDef& tone) const {
  const std::vector<TonePart>& parts = tone.parts;
  if (parts.empty()) return -1;
  if (parts.size() == 1) {
    // A continuous tone: only the current run counts.
    return ClassOf(parts[0]) == run_class_ ? 0 : -1;
  }
  int best = -1;
  for (size_t j = 0; j < parts.size(); j++) {
    // The current run is part j, still going: it must not have outlasted it.
    const TonePart& now = parts[j];
    if (ClassOf(now) != run_class_ || (now.ms > 0 && run_ms_ > now.ms + Tolerance(now.ms))) continue;
    int matched = 0;
    size_t k = j;
    // The oldest remembered run never counts: its start is unknown (the silence before a tone
    // began, or a run cut off by the history limit).
    for (size_t h = history_.size(); h-- > 1;) {
      k = (k + parts.size() - 1) % parts.size();
      const TonePart& p = parts[k];
      if (ClassOf(p) != history_[h].cls || p.ms == 0 || std::abs(history_[h].ms - p.ms) > Tolerance(p.ms)) break;
      matched++;
    }
    if (matched > best) best = matched;
  }
  return best;
}

bool ToneClassifier::TiesAreBusyOrCongestion(int best) const {
  for (const ToneDef& t : *tones_)
    if (Score(t) == best && t.name != "busy" && t.name != "congestion") return false;
  return true;
}

int ToneClassifier::Matched() const {
  for (const ToneDef& t : *tones_)
    if (t.name == current_) return Score(t) + 1;
  return 0;
}

std::string ToneClassifier::Name() const {
  if (run_class_ == -2) return "audio";
  int best = -1;
  int winners = 0;
  const ToneDef* winner = nullptr;
  for (const ToneDef& t : *tones_) {
    int score = Score(t);
    if (score < 0) continue;
    if (score > best) {
      best = score;
      winners = 1;
      winner = &t;
    } else if (score == best) {
      winners++;
    }
  }
  if (winner == nullptr) return run_class_ == -1 ? "silence" : "tone";
  // Silence that fits a pause but has no burst behind it yet is just silence.
  if (run_class_ == -1 && best == 0) return "silence";
  if (winners == 1) return winner->name;
  // Stutter dial tone (indications.conf's dialrecall) ends in steady dial tone: with no burst of
  // its stutter remembered the two sound the same, and that is a dial tone.
  bool only_dial = true;
  for (const ToneDef& t : *tones_)
    if (Score(t) == best && t.name != "dial" && t.name != "dialrecall") only_dial = false;
  if (only_dial) return "dial";
  // Busy and congestion that only differ in what a 20 ms block cannot hear (Australia's 425 vs
  // 420 Hz; its real congestion differs in level) are both "the call failed": say busy, so an
  // FXO port still hangs up, rather than nothing.
  if (best > 0 && busy_like_congestion_ && TiesAreBusyOrCongestion(best)) return "busy";
  return run_class_ == -1 ? "silence" : "tone";
}

}  // namespace pbx
