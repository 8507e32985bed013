// The one C++ interface between the line engine and analog hardware. Two backends implement it:
// `sim` (in-process phones and central-office lines, this slice) and `dahdi` (real cards through
// /dev/dahdi/channel, next slice). The engine thread alone calls a backend, so backends need no
// locking; what a backend reports are hardware-level events (hook, ring, polarity, loop drop).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tones.h"

namespace pbx {

/** What the PBX side of a port is: FXS faces a phone, FXO faces the exchange. */
enum class PortKind { kFxs, kFxo };

/** Caller-ID signalling: Bell 202 FSK after the first ring, ETSI V.23 FSK or DTMF before it. */
enum class CidStandard { kNone, kBell202, kV23, kDtmf };

/** Why a caller ID carries no number: withheld by the caller ('P' private) or unavailable
 *  ('O' out of area), as the spill's reason-for-absence parameter says. */
enum class CidAbsence { kNone, kWithheld, kUnavailable };

enum class LineEventType {
  kOffhook,       // FXS: the phone went off hook
  kOnhook,        // FXS: the phone hung up
  kFlash,         // FXS: hook flash
  kDigit,         // FXS: DTMF digit detected in the phone's audio
  kCallerId,      // FXO: caller ID decoded from the line
  kRingBegin,     // FXO: ringing voltage on
  kRingEnd,       // FXO: ringing voltage off
  kPolarity,      // FXO: line reversal
  kBusy,          // FXO: busy (value 0) or congestion (value 1) tone detected
  kDisconnect,    // FXO: the exchange dropped the loop (kewlstart disconnect)
  kDialComplete,  // FXO: the digits given to dial() have been sent
  kPortGone,      // any: the port vanished (dahdi: ENODEV/EIO/POLLERR on its fd; sim: unplug)
  kPortBack,      // any: the port is usable again (it starts on hook, idle)
};

struct LineEvent {
  LineEventType type;
  int port = 0;  // 1-based, as users count ports
  int value = 0;
  std::string text;  // digit(s) or caller number
  std::string name;  // caller name
  CidAbsence absence = CidAbsence::kNone;  // kCallerId: why the number is missing
};

/** When an FXO port listens for caller ID: before the first ring / after it (`ring`), or after
 *  a line reversal (`polarity`), as chan_dahdi.conf's `cidstart`. */
enum class CidStart { kRing, kPolarity };

/** Per-port settings (pbx.conf [analog] / chan_dahdi.conf), handed from JS at createLineEngine.
 *  Unset fields keep the country's default. */
struct PortOptions {
  PortKind kind = PortKind::kFxs;
  int channel = 0;  // dahdi: the DAHDI channel number; sim: the port number (1-based)
  bool cid_set = false;  // false: the country's caller-ID standard
  CidStandard cid = CidStandard::kBell202;
  CidStart cid_start = CidStart::kRing;
  bool busy_detect = true;  // FXO: hang up on busy/congestion tone (chan_dahdi `busydetect`)
  int busy_count = 1;       // FXO: cadence cycles heard before busy is reported (`busycount`; 1: at once)
  bool call_progress = false;  // FXO: also report ringback/answer on outgoing calls (`callprogress`)
  double rx_gain_db = 0;  // dahdi: DAHDI_SETGAINS (`rxgain`)
  double tx_gain_db = 0;  // dahdi: DAHDI_SETGAINS (`txgain`)
  int echo_cancel_taps = 128;  // dahdi: DAHDI_ECHOCANCEL_PARAMS taps, 0 = off (`echocancel`)
};

/** Everything a backend needs to know about the country. */
struct CountryConfig {
  std::string country = "us";
  std::vector<ToneDef> tones;        // dial, ringback, busy, congestion
  // The call-waiting beep (indications.conf `callwaiting`), played once to a phone in a call;
  // kept out of `tones` so the tone classifier never confuses it with dial tone.
  ToneDef callwaiting;
  std::vector<int> ring_cadence_ms;  // on, off, on, off...
  CidStandard cid = CidStandard::kBell202;
};

class PortBackend {
 public:
  virtual ~PortBackend() = default;
  /** Opens the ports; false with a reason naming the missing piece. */
  virtual bool Open(std::string* error) = 0;
  /** File descriptors the engine waits on in its epoll (sim: one timerfd). */
  virtual std::vector<int> PollFds() const = 0;
  /** An fd was readable: how many 20 ms blocks are now due on every port. */
  virtual int BlocksDue(int fd) = 0;
  virtual size_t PortCount() const = 0;
  virtual PortKind Kind(size_t index) const = 0;
  /** One block of what the PBX receives from port `index` (0-based), kBlockSamples samples. */
  virtual void ReadBlock(size_t index, int16_t* out) = 0;
  /** One block of what the PBX sends to port `index`. */
  virtual void WriteBlock(size_t index, const int16_t* in) = 0;
  /** FXS: apply (or remove) ringing voltage; the engine runs the cadence. */
  virtual void SetRinging(size_t index, bool on) = 0;
  /** FXO: take the line off hook (seize, answer) or put it back. FXS, offhook false only: the
   *  PBX cleared the call while the phone is off hook: signal the disconnect (dahdi: loop drop). */
  virtual void SetHook(size_t index, bool offhook) = 0;
  /** Advances one block of backend time and appends hardware events. */
  virtual void Tick(std::vector<LineEvent>* events) = 0;
  /**
   * Events noticed outside Tick, e.g. a channel fd failing in BlocksDue (ENODEV, EIO): the
   * engine takes them after every backend fd wake-up, whether or not a block was due.
   * Port gone/back contract: after a backend reports kPortGone for a port, the engine no longer
   * calls ReadBlock/WriteBlock/SetRinging/SetHook for it, and re-reads PollFds() (which should no
   * longer list a dead fd; an fd reporting EPOLLERR/EPOLLHUP is taken out of the epoll anyway,
   * so it can never spin the engine). kPortBack (the port reopened, idle and on hook) makes the
   * engine use the port again and re-read PollFds().
   */
  virtual void TakeEvents(std::vector<LineEvent>* events) { (void)events; }
  /** Things Open() worked around that the user should hear (dahdi: a tone zone not loaded...). */
  virtual std::vector<std::string> Warnings() const { return {}; }
  virtual void Close() = 0;
};

}  // namespace pbx
