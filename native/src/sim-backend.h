// The `sim` backend: virtual phones behind FXS ports and virtual central-office lines behind FXO
// ports, in-process, paced by a timerfd at the block period, running the same spandsp DSP as real
// lines: a sim phone dials real DTMF audio and analyses what it hears (tones, DTMF, caller ID);
// a sim line rings with the country's cadence, sends real caller-ID audio, plays dial and busy
// tone, and decodes the digits the PBX dials. Commands arrive from the engine thread only.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "caller-id.h"
#include "port-backend.h"
#include "tones.h"

struct dtmf_tx_state_s;
struct dtmf_rx_state_s;

namespace pbx {

struct SimCommand {
  bool phone = true;   // phone (FXS port) or line (FXO port)
  int port = 0;        // 1-based
  std::string action;  // phone: offhook onhook flash dial tone; line: ring hangup busy; both: unplug plug
  std::string digits;  // dial: digits; ring: number
  std::string name;    // ring: caller name
  CidAbsence absence = CidAbsence::kNone;  // ring: a withheld/unavailable caller (no number)
  int hz = 0;  // phone tone: the test tone the phone's microphone sends (0: stop)
};

/** What `sim show` prints for one port. */
struct SimPortStatus {
  int port = 0;
  bool fxs = true;
  std::string state;    // phone: onhook/offhook/ringing; line: idle/ringing/offhook/busy/down; both: unplugged
  std::string hears;    // phone: dial/ringback/busy/congestion/silence/tone/audio/ringing; line: what it plays
  std::string digits;   // phone: DTMF it heard; line: digits the PBX dialed
  std::string cid_number, cid_name;  // phone: caller ID it displayed
  std::string cid_absence;           // phone: "withheld" / "unavailable" when it displayed no number
  std::string vmwi;                  // phone: message waiting lamp from FSK VMWI: "on", "off", "" (none received)
  std::string tones;                 // phone off hook: the frequencies it hears now, "600+1000" (50 Hz steps)
  int alerts = 0;                    // phone: call-waiting CAS alerts heard (each acknowledged with DTMF D)
};

class SimBackend : public PortBackend {
 public:
  SimBackend(std::vector<PortKind> kinds, const CountryConfig* country, int period_ms);
  ~SimBackend() override;

  bool Open(std::string* error) override;
  std::vector<int> PollFds() const override { return {timer_fd_}; }
  int BlocksDue(int fd) override;
  size_t PortCount() const override { return ports_.size(); }
  PortKind Kind(size_t index) const override;
  void ReadBlock(size_t index, int16_t* out) override;
  void WriteBlock(size_t index, const int16_t* in) override;
  void SetRinging(size_t index, bool on) override;
  void SetHook(size_t index, bool offhook) override;
  void Tick(std::vector<LineEvent>* events) override;
  void Close() override;

  /** Before Open: the port's caller-ID standard (chan_dahdi cidsignalling) instead of the country's. */
  void SetPortCid(size_t index, CidStandard standard);
  /** Applies a console command; false with *error when it does not fit the port's state. */
  bool Apply(const SimCommand& cmd, std::vector<LineEvent>* events, std::string* error);
  /** Safe from any thread. */
  std::vector<SimPortStatus> Status();

  struct Port;

 private:
  void Publish();

  std::vector<std::unique_ptr<Port>> ports_;
  const CountryConfig* country_;
  int period_ms_;
  int timer_fd_ = -1;
  std::mutex status_mu_;
  std::vector<SimPortStatus> status_;
};

}  // namespace pbx
