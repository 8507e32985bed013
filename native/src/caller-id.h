// Caller ID on analog lines through spandsp's ADSI code: a sender producing the spill audio
// (Bell 202 / V.23 FSK MDMF with date, number and name; or DTMF CLIP "A<number>C", which carries
// no name; or, for a withheld/unavailable caller, the reason for absence instead of the number)
// and a receiver decoding it back. Plus Ringer, the cadence-and-spill sequence both a
// sim CO line (towards an FXO port) and the engine (towards a phone on an FXS port) run: Bell 202
// in the first long ring pause, V.23 and DTMF before the first ring.
#pragma once

#include <cstdint>
#include <string>

#include "port-backend.h"

struct adsi_tx_state_s;
struct adsi_rx_state_s;

namespace pbx {

class CidSender {
 public:
  CidSender() = default;
  CidSender(const CidSender&) = delete;
  CidSender& operator=(const CidSender&) = delete;
  ~CidSender();
  /**
   * Queues one spill; false when the standard is kNone or spandsp refused it. With an absence
   * the number is left out and its reason sent instead (FSK: parameters 0x04/0x08 'P' or 'O';
   * DTMF: 'B' "10" withheld / "00" unavailable, the ETSI/Nordic codes). `offhook`: a type II
   * spill (caller ID on call waiting, to a phone that acknowledged the CAS alert): no channel
   * seizure, only the mark run before the message (GR-30's off-hook data transmission).
   */
  bool Start(CidStandard standard, const std::string& number, const std::string& name,
             CidAbsence absence = CidAbsence::kNone, bool offhook = false);
  /**
   * Queues a visual message waiting indicator (VMWI) spill: an FSK MDMF "message waiting"
   * message (Bell 202: type 0x82; ETSI V.23: type 0x82) with the visual indicator parameter
   * 0x0B set to 0xFF (on) or 0x00 (off), the on-hook transmission Bellcore GR-30 and ETSI
   * EN 300 659 define. False for DTMF lines (no VMWI there) or when spandsp refused it.
   */
  bool StartVmwi(CidStandard standard, bool on);
  bool active() const { return active_; }
  /** Drops a spill still playing (the phone went off hook). */
  void Stop() { active_ = false; }
  /** Fills a block with spill audio (zeros after its end); clears active() when done. */
  void Fill(int16_t* out, int n);

 private:
  adsi_tx_state_s* tx_ = nullptr;
  bool active_ = false;
};

class CidReceiver {
 public:
  CidReceiver() = default;
  CidReceiver(const CidReceiver&) = delete;
  CidReceiver& operator=(const CidReceiver&) = delete;
  ~CidReceiver();
  void Init(CidStandard standard);
  void Feed(const int16_t* block, int n);
  /** The latest decoded message, once: true with number and name filled. */
  bool Take(std::string* number, std::string* name);
  /** The date/time field (MMDDHHMM) of the message Take() returned last; '' when it had none. */
  const std::string& datetime() const { return taken_datetime_; }
  /** Why the number of the message Take() returned last was absent (kNone: it had one or no reason). */
  CidAbsence absence() const { return taken_absence_; }
  /** The last VMWI message decoded: 1 on, 0 off, -1 none yet (kept across Init: it is the lamp). */
  int vmwi() const { return vmwi_; }

  // spandsp callback target.
  void OnMessage(const uint8_t* msg, int len);

 private:
  adsi_rx_state_s* rx_ = nullptr;
  CidStandard standard_ = CidStandard::kNone;
  bool have_ = false;
  std::string number_, name_, datetime_;
  CidAbsence absence_ = CidAbsence::kNone;
  std::string taken_datetime_;
  CidAbsence taken_absence_ = CidAbsence::kNone;
  int vmwi_ = -1;
};

/** Ringing with the country's cadence plus an optional caller-ID spill at the right moment. */
class Ringer {
 public:
  void Start(const CountryConfig* country, const std::string& number, const std::string& name, bool with_cid) {
    Start(country, country->cid, number, name, with_cid);
  }
  /** A spill without a number, its absence reason sent instead (with_cid: always). */
  void StartAbsent(const CountryConfig* country, CidStandard standard, CidAbsence absence, const std::string& name) {
    Start(country, standard, "", name, true);
    absence_ = absence;
    bool cid = standard_ != CidStandard::kNone && absence != CidAbsence::kNone;
    pre_spill_ = cid && standard_ != CidStandard::kBell202;
    spill_pending_ = cid && standard_ == CidStandard::kBell202;
  }
  /** `standard`: the port's caller-ID standard (chan_dahdi `cidsignalling`), else the country's. */
  void Start(const CountryConfig* country, CidStandard standard, const std::string& number, const std::string& name,
             bool with_cid);
  void Stop() { active_ = false; }
  bool active() const { return active_; }
  /**
   * One 20 ms block: *ring_on says whether ringing voltage is applied, *polarity is set when the
   * line must reverse now (V.23 spills start with a line reversal), and audio gets the spill when
   * one is playing (returns true then).
   */
  bool Step(bool* ring_on, bool* polarity, int16_t* audio);
  int rings() const { return rings_; }

 private:
  const CountryConfig* country_ = nullptr;
  CidStandard standard_ = CidStandard::kBell202;
  CidSender cid_;
  std::string number_, name_;
  CidAbsence absence_ = CidAbsence::kNone;
  bool active_ = false;
  bool pre_spill_ = false;    // V.23/DTMF: spill, then a pause, then the cadence
  bool spill_pending_ = false;  // Bell 202: in the first long pause
  int pause_ms_ = 0;
  size_t part_ = 0;
  int part_ms_ = 0;
  int rings_ = 0;
};

}  // namespace pbx
