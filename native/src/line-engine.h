// The line engine: one native thread owning every port of a backend in one epoll (the backend's
// fds, a command eventfd and a stop eventfd), processing 20 ms blocks: PBX-side DSP (DTMF
// detection on FXS ports, caller-ID decoding and busy detection on FXO ports), the time-critical
// sequences (ring cadence + caller-ID spill, stop ringing on answer, native DTMF dialing, tones
// played from the country table like DAHDI's tone zones), audio
// moved through lock-free rings the JS side drains and fills in batches, and low-rate events
// handed to an EventSink that must never block. Free of Node-API so it can be reasoned about alone.
#pragma once

#include <pthread.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audio-ring.h"
#include "caller-id.h"
#include "event-queue.h"
#include "port-backend.h"
#include "sim-backend.h"
#include "tones.h"

struct dtmf_tx_state_s;
struct dtmf_rx_state_s;

namespace pbx {

/**
 * Receives events on the engine thread and must never block; says what became of the event
 * (coalesced with a pending one, dropped) so the engine can count it. The JS wrap's sink is an
 * EventQueue (event-queue.h) that keeps every state-bearing event.
 */
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual PushResult Post(const LineEvent& event) = 0;
};

struct EngineCommand {
  enum Kind { kRing, kHook, kDial, kTone, kSim, kVmwi, kCallWaiting } kind = kSim;
  int port = 0;  // 1-based
  bool on = false;  // ring: ring or stop; hook: off hook; vmwi: lamp on; callwaiting: alert or stop
  std::string text;  // ring, callwaiting: number; dial: digits; tone: tone name ('' stops)
  std::string name;  // ring, callwaiting: name
  CidAbsence absence = CidAbsence::kNone;  // ring: why there is no number (withheld, unavailable)
  SimCommand sim;
};

struct EngineStats {
  bool running = false;
  uint64_t blocks = 0;
  uint64_t overruns = 0;  // timer expirations beyond the first per wake-up
  uint64_t events = 0;
  uint64_t events_dropped = 0;    // lost: a digit or state event beyond its per-port bound
  uint64_t events_coalesced = 0;  // merged away: hook/presence changes JS never needed to see
  uint64_t ports_gone = 0;        // ports gone right now
  uint64_t commands = 0;
  uint64_t rx_dropped = 0;  // samples JS did not drain in time
  uint64_t tx_underruns = 0;  // blocks JS had not filled (silence sent)
  double cpu_ms = 0;        // CPU time of the engine thread
  uint64_t sim_rejected = 0;  // sim commands that did not fit the port's state
  std::string last_sim_error;
};

class LineEngine {
 public:
  /** `options` has one entry per backend port, in port order (kind must agree with the backend). */
  LineEngine(std::unique_ptr<CountryConfig> country, std::vector<PortOptions> options, std::unique_ptr<PortBackend> backend,
             SimBackend* sim);
  ~LineEngine();

  /** Opens the backend and starts the thread; 0 or an errno, with *error saying why. */
  int Start(EventSink* sink, std::string* error);
  /** Stops and joins the thread; idempotent. */
  void Stop();
  bool running() const { return running_; }

  /** JS thread: queue a command for the engine thread. */
  void Post(EngineCommand cmd);
  /** JS thread: batched audio from / to a port (0-based); return how many samples moved. */
  size_t ReadAudio(size_t index, int16_t* out, size_t n);
  size_t WriteAudio(size_t index, const int16_t* in, size_t n);
  size_t PortCount() const { return ports_.size(); }
  PortKind Kind(size_t index) const;
  EngineStats Stats() const;
  std::vector<SimPortStatus> SimStatus() { return sim_ ? sim_->Status() : std::vector<SimPortStatus>{}; }
  bool has_sim() const { return sim_ != nullptr; }
  /** JS thread, after Start(): what the backend's Open() worked around. */
  std::vector<std::string> BackendWarnings() const { return backend_->Warnings(); }
  const CountryConfig& country() const { return *country_; }
  /** Port `index` (0-based): its settings as configured. */
  const PortOptions& options(size_t index) const { return options_[index]; }

  struct PortState;

 private:
  static void* ThreadMain(void* self);
  void Run();
  void DrainCommands();
  void Apply(const EngineCommand& cmd);
  void ProcessBlock();
  /** FXS port `index`: the call-waiting sequence's audio for this block (replaces `out`). */
  void CallWaitingBlock(size_t index, int16_t* out);
  void Emit(const LineEvent& ev);
  /** Port gone/back: resets the port's PBX side; the port is skipped while gone. */
  void SetGone(size_t index, bool gone);
  /** Makes the epoll's backend fds match backend_->PollFds() (less fds that failed). */
  void SyncBackendFds();
  void TakeBackendEvents();
  /** The caller-ID standard of port `index`: its own setting, else the country's. */
  CidStandard PortCid(size_t index) const;

  std::unique_ptr<CountryConfig> country_;  // stable address: the backend keeps a pointer
  std::vector<PortOptions> options_;
  std::unique_ptr<PortBackend> backend_;
  SimBackend* sim_;  // the same object as backend_ when it is the sim, else null
  std::vector<std::unique_ptr<PortState>> ports_;
  EventSink* sink_ = nullptr;
  pthread_t thread_{};
  bool running_ = false;
  int epoll_fd_ = -1;
  int command_fd_ = -1;
  int stop_fd_ = -1;
  std::mutex command_mu_;
  std::deque<EngineCommand> commands_;
  std::vector<LineEvent> pending_;  // engine thread: events of the current step
  std::vector<int> polled_fds_;     // engine thread: backend fds in the epoll
  std::vector<int> failed_fds_;     // engine thread: fds that reported EPOLLERR/EPOLLHUP
  bool resync_fds_ = false;         // engine thread: a port went or came back
  std::atomic<uint64_t> events_coalesced_{0}, ports_gone_{0};
  std::atomic<uint64_t> blocks_{0}, overruns_{0}, events_{0}, events_dropped_{0}, commands_done_{0}, underruns_{0};
  std::atomic<int64_t> cpu_ns_{0};
  std::atomic<uint64_t> sim_rejected_{0};
  mutable std::mutex error_mu_;
  std::string last_sim_error_;
};

}  // namespace pbx
