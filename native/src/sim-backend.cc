#include "sim-backend.h"

#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include <spandsp.h>

namespace pbx {

namespace {

void AppendDigits(void* user, const char* digits, int len) {
  static_cast<std::string*>(user)->append(digits, static_cast<size_t>(len));
}

constexpr size_t kMaxDigitLog = 64;  // digits kept for `sim show`

void Trim(std::string* s) {
  if (s->size() > kMaxDigitLog) s->erase(0, s->size() - kMaxDigitLog);
}

// What an off-hook sim phone reports hearing: the share of the block's energy at each 50 Hz
// step from 300 to 3400 Hz (Goertzel; a 160-sample block's bins are 50 Hz apart, so tones on
// those steps do not leak into each other), averaged over kSpectrumBlocks blocks.
constexpr int kSpectrumLowHz = 300;
constexpr int kSpectrumStepHz = 50;
constexpr int kSpectrumBins = (3400 - kSpectrumLowHz) / kSpectrumStepHz + 1;
constexpr int kSpectrumBlocks = 10;
constexpr double kSpectrumShare = 0.1;  // a frequency holding this much of the energy is "heard"
constexpr double kMinVoicedEnergy = 160.0 * 100 * 100;  // rms 100: below it the block is silence
constexpr int kCidWindowBlocks = 150;  // after a CAS: 3 s for the type II spill

double Share(const int16_t* x, int n, double hz, double energy) {
  double w = 2 * M_PI * hz / 8000, c = 2 * cos(w), s1 = 0, s2 = 0;
  for (int i = 0; i < n; i++) {
    double s0 = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return 2 * (s1 * s1 + s2 * s2 - c * s1 * s2) / (n * energy);
}

const ToneDef* FindTone(const CountryConfig* c, const char* name) {
  for (const ToneDef& t : c->tones)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace

struct SimBackend::Port {
  Port(PortKind k, const CountryConfig* country) : kind(k), classifier(&country->tones) {
    dtmf_tx = dtmf_tx_init(nullptr);
    dtmf_rx = dtmf_rx_init(nullptr, &AppendDigits, &heard_digits);
    cid_rx.Init(country->cid);
    cid = country->cid;
  }
  ~Port() {
    if (dtmf_tx) dtmf_tx_free(dtmf_tx);
    if (dtmf_rx) dtmf_rx_free(dtmf_rx);
  }
  PortKind kind;
  // Phone (FXS port): hook, ringing voltage from the PBX, what it hears.
  // Line (FXO port): the PBX's hook, the CO's ringer and tones, the digits it decodes.
  bool offhook = false;      // phone's hook, or the PBX's hook on a line
  bool ringing = false;      // phone: ringing voltage applied by the PBX
  bool down = false;         // line: the exchange dropped the loop
  bool busy = false;         // line: playing busy tone
  bool got_digit = false;    // line: the PBX has dialed since seizing (dial tone stops)
  dtmf_tx_state_t* dtmf_tx;  // phone: the keypad
  dtmf_rx_state_t* dtmf_rx;  // phone: DTMF it hears; line: digits the PBX dials
  std::string heard_digits;
  ToneClassifier classifier;  // phone: what it hears
  CidReceiver cid_rx;         // phone: the caller-ID display
  CidStandard cid;            // the port's caller-ID standard (the phone decodes, the line sends)
  std::string cid_number, cid_name;
  CidAbsence cid_absence = CidAbsence::kNone;  // phone: why the displayed caller has no number
  Ringer ringer;           // line: the exchange ringing the PBX
  ToneGenerator tone;      // line: dial/busy tone; phone: the test tone its microphone sends
  ToneDef talk;            // phone: that test tone (`sim phone N tone HZ`)
  int16_t spill[kBlockSamples];
  bool spill_ready = false;
  // Phone off hook: the frequencies it hears (`tones` in sim show), call-waiting alerts.
  double spectrum[kSpectrumBins] = {};
  int spectrum_blocks = 0;
  std::string heard_tones;
  int cas_run = 0;       // consecutive blocks of CAS (2130 + 2750 Hz)
  int alerts = 0;        // CAS alerts heard and acknowledged
  int cid_window = 0;    // blocks left to decode a type II spill
  /** Off hook: analyses one received block (spectrum, CAS -> DTMF D, type II caller ID). */
  void Listen(const int16_t* in) {
    double e = 0;
    for (int i = 0; i < kBlockSamples; i++) e += static_cast<double>(in[i]) * in[i];
    bool voiced = e >= kMinVoicedEnergy;
    if (voiced)
      for (int k = 0; k < kSpectrumBins; k++) spectrum[k] += Share(in, kBlockSamples, kSpectrumLowHz + k * kSpectrumStepHz, e);
    if (++spectrum_blocks >= kSpectrumBlocks) {
      std::string t;
      for (int k = 0; k < kSpectrumBins; k++) {
        double v = spectrum[k] / kSpectrumBlocks;
        bool peak = (k == 0 || v >= spectrum[k - 1] / kSpectrumBlocks) && (k + 1 == kSpectrumBins || v >= spectrum[k + 1] / kSpectrumBlocks);
        if (v >= kSpectrumShare && peak) t += (t.empty() ? "" : "+") + std::to_string(kSpectrumLowHz + k * kSpectrumStepHz);
      }
      heard_tones = t;
      for (double& v : spectrum) v = 0;
      spectrum_blocks = 0;
    }
    bool cas = voiced && Share(in, kBlockSamples, 2130, e) > 0.25 && Share(in, kBlockSamples, 2750, e) > 0.25;
    cas_run = cas ? cas_run + 1 : 0;
    if (cas_run == 2) {
      // A phone with caller ID on call waiting mutes its earpiece and answers 'D' (GR-30).
      alerts++;
      dtmf_tx_put(dtmf_tx, "D", 1);
      cid_window = kCidWindowBlocks;
      cid_rx.Init(cid);
    }
    if (cid_window > 0) {
      cid_window--;
      cid_rx.Feed(in, kBlockSamples);
      if (cid_rx.Take(&cid_number, &cid_name)) {
        cid_absence = cid_rx.absence();
        cid_window = 0;
      }
    }
  }
  // `sim ... unplug`: the port is gone (the PBX sees kPortGone, as a DAHDI channel giving ENODEV)
  // until `plug` brings it back idle.
  bool unplugged = false;

  /** Back to idle: what an unplugged phone or line has (nothing going on). */
  void Reset() {
    offhook = ringing = down = busy = got_digit = spill_ready = false;
    cas_run = cid_window = spectrum_blocks = 0;
    heard_tones.clear();
    dtmf_tx_init(dtmf_tx);
    classifier.Reset();
    heard_digits.clear();
    ringer.Stop();
    tone.Stop();
  }
};

SimBackend::SimBackend(std::vector<PortKind> kinds, const CountryConfig* country, int period_ms)
    : country_(country), period_ms_(period_ms) {
  for (PortKind k : kinds) ports_.push_back(std::make_unique<Port>(k, country));
}

SimBackend::~SimBackend() { Close(); }

void SimBackend::SetPortCid(size_t index, CidStandard standard) {
  if (index >= ports_.size()) return;
  ports_[index]->cid = standard;
  ports_[index]->cid_rx.Init(standard);
}

PortKind SimBackend::Kind(size_t index) const { return ports_[index]->kind; }

bool SimBackend::Open(std::string* error) {
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_fd_ < 0) {
    *error = std::string("sim: timerfd_create: ") + strerror(errno);
    return false;
  }
  struct itimerspec spec;
  long ns = static_cast<long>(period_ms_) * 1000000L;
  spec.it_interval.tv_sec = ns / 1000000000L;
  spec.it_interval.tv_nsec = ns % 1000000000L;
  spec.it_value = spec.it_interval;
  if (timerfd_settime(timer_fd_, 0, &spec, nullptr) != 0) {
    *error = std::string("sim: timerfd_settime: ") + strerror(errno);
    Close();
    return false;
  }
  Publish();
  return true;
}

int SimBackend::BlocksDue(int fd) {
  uint64_t expirations = 0;
  if (fd != timer_fd_ || read(timer_fd_, &expirations, sizeof expirations) != sizeof expirations) return 0;
  return static_cast<int>(expirations);
}

void SimBackend::Close() {
  if (timer_fd_ >= 0) close(timer_fd_);
  timer_fd_ = -1;
}

void SimBackend::ReadBlock(size_t index, int16_t* out) {
  Port& p = *ports_[index];
  if (p.unplugged) {
    memset(out, 0, sizeof(int16_t) * kBlockSamples);
    return;
  }
  if (p.kind == PortKind::kFxs) {
    // The phone's microphone: keypad DTMF while off hook (over the test tone, as a keypad mutes
    // the mouthpiece), else the test tone if one is on, else silence.
    int n = p.offhook ? dtmf_tx(p.dtmf_tx, out, kBlockSamples) : 0;
    if (n < kBlockSamples) {
      if (p.offhook && p.tone.active()) p.tone.Fill(out + n, kBlockSamples - n);
      else memset(out + n, 0, sizeof(int16_t) * static_cast<size_t>(kBlockSamples - n));
    }
    return;
  }
  // The exchange: caller-ID spill while on hook, tones while the PBX holds the line.
  if (p.spill_ready) {
    memcpy(out, p.spill, sizeof p.spill);
    p.spill_ready = false;
    return;
  }
  p.tone.Fill(out, kBlockSamples);
}

void SimBackend::WriteBlock(size_t index, const int16_t* in) {
  Port& p = *ports_[index];
  if (p.unplugged) return;
  if (p.kind == PortKind::kFxs) {
    if (p.offhook) {
      p.classifier.Feed(in);
      dtmf_rx(p.dtmf_rx, in, kBlockSamples);
      Trim(&p.heard_digits);
      p.Listen(in);
    } else {
      // On hook the phone listens only for caller ID (on-hook transmission).
      p.cid_rx.Feed(in, kBlockSamples);
      if (p.cid_rx.Take(&p.cid_number, &p.cid_name)) p.cid_absence = p.cid_rx.absence();
    }
    return;
  }
  if (p.offhook && !p.down) {
    size_t before = p.heard_digits.size();
    dtmf_rx(p.dtmf_rx, in, kBlockSamples);
    Trim(&p.heard_digits);
    if (p.heard_digits.size() != before && !p.got_digit) {
      // First digit: the exchange stops dial tone, as a real one does.
      p.got_digit = true;
      if (!p.busy) p.tone.Stop();
    }
  }
}

void SimBackend::SetRinging(size_t index, bool on) {
  Port& p = *ports_[index];
  if (p.kind == PortKind::kFxs && !p.unplugged) p.ringing = on && !p.offhook;
}

void SimBackend::SetHook(size_t index, bool offhook) {
  Port& p = *ports_[index];
  if (p.kind != PortKind::kFxo || p.unplugged || p.offhook == offhook) return;
  p.offhook = offhook;
  if (offhook) {
    if (p.ringer.active()) {
      p.ringer.Stop();  // answered: the exchange stops ringing
      p.ringing = false;
    } else if (!p.busy && !p.down) {
      p.heard_digits.clear();
      p.got_digit = false;
      p.tone.Start(FindTone(country_, "dial"));  // seized: dial tone until the first digit
    }
  } else {
    p.down = false;
    p.busy = false;
    p.tone.Stop();
  }
}

void SimBackend::Tick(std::vector<LineEvent>* events) {
  for (size_t i = 0; i < ports_.size(); i++) {
    Port& p = *ports_[i];
    int port = static_cast<int>(i) + 1;
    if (p.kind != PortKind::kFxo || p.unplugged || !p.ringer.active()) continue;
    bool was_on = p.ringing;
    bool on = false, polarity = false;
    p.spill_ready = p.ringer.Step(&on, &polarity, p.spill);
    if (polarity) events->push_back({LineEventType::kPolarity, port, 1, "", ""});
    if (on != was_on) events->push_back({on ? LineEventType::kRingBegin : LineEventType::kRingEnd, port, 0, "", ""});
    p.ringing = on;  // on a line, `ringing` tracks the voltage the PBX sees
  }
  Publish();
}

bool SimBackend::Apply(const SimCommand& cmd, std::vector<LineEvent>* events, std::string* error) {
  if (cmd.port < 1 || static_cast<size_t>(cmd.port) > ports_.size()) {
    *error = "no such port " + std::to_string(cmd.port);
    return false;
  }
  Port& p = *ports_[static_cast<size_t>(cmd.port) - 1];
  if (cmd.phone != (p.kind == PortKind::kFxs)) {
    *error = "port " + std::to_string(cmd.port) + (cmd.phone ? " is not an FXS port" : " is not an FXO port");
    return false;
  }
  const std::string& a = cmd.action;
  const std::string what = (cmd.phone ? "phone " : "line ") + std::to_string(cmd.port);
  if (a == "unplug") {
    if (p.unplugged) return true;
    p.Reset();
    p.unplugged = true;
    events->push_back({LineEventType::kPortGone, cmd.port, 0, "", ""});
    return true;
  }
  if (a == "plug") {
    if (!p.unplugged) return true;
    p.unplugged = false;
    events->push_back({LineEventType::kPortBack, cmd.port, 0, "", ""});
    return true;
  }
  if (p.unplugged) {
    *error = what + " is unplugged";
    return false;
  }
  if (cmd.phone) {
    if (a == "offhook") {
      if (p.offhook) return true;
      p.offhook = true;
      p.ringing = false;
      p.classifier.Reset();
      p.heard_digits.clear();
      p.heard_tones.clear();
      p.spectrum_blocks = 0;
      for (double& v : p.spectrum) v = 0;
      events->push_back({LineEventType::kOffhook, cmd.port, 0, "", ""});
    } else if (a == "onhook") {
      if (!p.offhook) return true;
      p.offhook = false;
      dtmf_tx_init(p.dtmf_tx);  // drop digits still queued on the keypad
      p.tone.Stop();
      events->push_back({LineEventType::kOnhook, cmd.port, 0, "", ""});
    } else if (a == "flash") {
      if (!p.offhook) {
        *error = "phone " + std::to_string(cmd.port) + " is on hook";
        return false;
      }
      events->push_back({LineEventType::kFlash, cmd.port, 0, "", ""});
    } else if (a == "dial") {
      if (!p.offhook) {
        *error = "phone " + std::to_string(cmd.port) + " is on hook";
        return false;
      }
      if (dtmf_tx_put(p.dtmf_tx, cmd.digits.c_str(), static_cast<int>(cmd.digits.size())) != 0) {
        *error = "too many digits queued";
        return false;
      }
    } else if (a == "tone") {
      if (cmd.hz == 0) {
        p.tone.Stop();
      } else {
        if (!p.offhook) {
          *error = "phone " + std::to_string(cmd.port) + " is on hook";
          return false;
        }
        p.talk = ToneDef{"test", {TonePart{cmd.hz, 0, 0}}};
        p.tone.Start(&p.talk);
      }
    } else {
      *error = "unknown phone action " + a;
      return false;
    }
    return true;
  }
  if (a == "ring") {
    if (p.offhook) {
      *error = "line " + std::to_string(cmd.port) + " is off hook";
      return false;
    }
    p.down = false;
    if (cmd.absence != CidAbsence::kNone)
      p.ringer.StartAbsent(country_, p.cid, cmd.absence, cmd.name);
    else
      p.ringer.Start(country_, p.cid, cmd.digits, cmd.name, true);
  } else if (a == "hangup") {
    if (p.ringer.active()) {
      p.ringer.Stop();
      if (p.ringing) events->push_back({LineEventType::kRingEnd, cmd.port, 0, "", ""});
      p.ringing = false;
    }
    p.tone.Stop();
    p.busy = false;
    if (p.offhook && !p.down) {
      p.down = true;
      events->push_back({LineEventType::kDisconnect, cmd.port, 0, "", ""});
    }
  } else if (a == "busy") {
    p.busy = true;
    p.tone.Start(FindTone(country_, "busy"));
  } else {
    *error = "unknown line action " + a;
    return false;
  }
  return true;
}

void SimBackend::Publish() {
  std::vector<SimPortStatus> st;
  st.reserve(ports_.size());
  for (size_t i = 0; i < ports_.size(); i++) {
    Port& p = *ports_[i];
    SimPortStatus s;
    s.port = static_cast<int>(i) + 1;
    s.fxs = p.kind == PortKind::kFxs;
    s.digits = p.heard_digits;
    if (p.unplugged) {
      s.state = "unplugged";
      s.hears = s.fxs ? "nothing" : "silence";
    } else if (s.fxs) {
      s.state = p.offhook ? "offhook" : p.ringing ? "ringing" : "onhook";
      s.hears = p.offhook ? p.classifier.current() : p.ringing ? "ringing" : "nothing";
      s.cid_number = p.cid_number;
      s.cid_name = p.cid_name;
      s.cid_absence = p.cid_absence == CidAbsence::kWithheld      ? "withheld"
                      : p.cid_absence == CidAbsence::kUnavailable ? "unavailable"
                                                                  : "";
      s.vmwi = p.cid_rx.vmwi() == 1 ? "on" : p.cid_rx.vmwi() == 0 ? "off" : "";
      s.tones = p.offhook ? p.heard_tones : "";
      s.alerts = p.alerts;
    } else {
      s.state = p.down ? "down" : p.busy ? "busy" : p.offhook ? "offhook" : p.ringer.active() ? "ringing" : "idle";
      s.hears = p.busy ? "busy" : p.tone.active() ? "dial" : "silence";
    }
    st.push_back(std::move(s));
  }
  std::lock_guard<std::mutex> lock(status_mu_);
  status_.swap(st);
}

std::vector<SimPortStatus> SimBackend::Status() {
  std::lock_guard<std::mutex> lock(status_mu_);
  return status_;
}

}  // namespace pbx
