#include "line-engine.h"

#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include <spandsp.h>

#include "port-dsp.h"

namespace pbx {

namespace {

constexpr size_t kRingSamples = 1 << 15;  // about 4 s of audio each way per port
// cidstart=polarity: how long after a line reversal caller ID is listened for (the spill comes
// within about 2 s; a ring cycle is at most 6 s).
constexpr int kCidWindowMs = 8000;
// Call waiting with caller ID (GR-30 type II / ETSI EN 300 659-2 off-hook): the CAS alert
// (2130 + 2750 Hz, 80 ms), then the phone's DTMF acknowledgement ('D', or 'A' from an ADSI set)
// within a window, a short gap, and the FSK message without channel seizure.
constexpr int kCasMs = 80;
constexpr int kCasAckWaitMs = 600;  // GR-30 allows 160 ms; the sim's keypad and detector take longer
constexpr int kCasSpillGapMs = 100;
constexpr double kCasAmplitude = 3000;  // about -18 dBm0 per frequency
constexpr int kMaxBeepMs = 1000;  // a beep part with no duration plays this long

int64_t ThreadCpuNs() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

}  // namespace

/** Per-port state of the PBX side. */
struct LineEngine::PortState {
  PortState(PortKind k, CidStandard cid, const std::vector<ToneDef>* tones)
      : kind(k), rx(kRingSamples), tx(kRingSamples), progress(tones) {
    dtmf_tx = dtmf_tx_init(nullptr);
    cid_rx.Init(cid);
  }
  ~PortState() {
    if (dtmf_tx) dtmf_tx_free(dtmf_tx);
  }
  PortKind kind;
  AudioRing rx;  // from the port to JS
  AudioRing tx;  // from JS to the port
  // FXS: DTMF from the phone; FXO: nothing (the line's digits are the exchange's business).
  PortDtmfDetector dtmf_rx;  // built with the product's settings (port-dsp.h)
  std::string digits;
  // FXS: ringing the phone with caller ID. FXO: native dialing.
  Ringer ringer;
  bool ring_voltage = false;
  dtmf_tx_state_t* dtmf_tx;
  bool dialing = false;
  // FXO: caller ID while on hook, busy/congestion while off hook.
  bool offhook = false;
  CidReceiver cid_rx;
  // cidstart=polarity: caller ID is listened for only for a while after a line reversal.
  int cid_window_ms = 0;
  ToneClassifier progress;
  std::string last_progress;
  bool busy_reported = false;  // this stretch of busy/congestion has been reported
  // FXS: the phone's hook as last reported.
  bool phone_offhook = false;
  // FXS: a VMWI spill (message waiting lamp on/off) waiting for or playing to the on-hook phone.
  CidSender vmwi;
  bool vmwi_on = false;      // the lamp state last asked for
  bool vmwi_resend = false;  // the phone went off hook mid-spill: send it again once on hook
  // The engine's block count when JS last read this port's audio: a port nobody reads (no call)
  // fills its ring, and what no longer fits is not "dropped", nobody was listening.
  static constexpr uint64_t kNeverRead = ~uint64_t{0};
  std::atomic<uint64_t> last_read_block{kNeverRead};
  // Any port: a call-progress tone played over JS's audio (dial tone, busy...).
  ToneGenerator tone;
  // The port vanished (kPortGone): skipped, no backend call, until kPortBack.
  bool gone = false;
  // FXS: a call-waiting alert to the off-hook phone: beep, CAS, acknowledgement, type II spill.
  enum class Cw { kNone, kBeep, kCas, kAck, kGap, kSpill } cw = Cw::kNone;
  int cw_ms = 0;
  ToneGenerator cw_tone;
  double cas_phase1 = 0, cas_phase2 = 0;
  bool cw_cid = false;
  bool cw_acked = false;  // the acknowledgement came while the CAS still played
  std::string cw_number, cw_name;
  CidAbsence cw_absence = CidAbsence::kNone;
  CidSender cw_spill;
};

LineEngine::LineEngine(std::unique_ptr<CountryConfig> country, std::vector<PortOptions> options,
                       std::unique_ptr<PortBackend> backend, SimBackend* sim)
    : country_(std::move(country)), options_(std::move(options)), backend_(std::move(backend)), sim_(sim) {
  options_.resize(backend_->PortCount());
  for (size_t i = 0; i < backend_->PortCount(); i++) {
    options_[i].kind = backend_->Kind(i);
    if (options_[i].channel == 0) options_[i].channel = static_cast<int>(i + 1);
    ports_.push_back(std::make_unique<PortState>(backend_->Kind(i), PortCid(i), &country_->tones));
    if (sim_) sim_->SetPortCid(i, PortCid(i));  // the sim's phones and lines speak the port's standard
  }
}

CidStandard LineEngine::PortCid(size_t index) const {
  return options_[index].cid_set ? options_[index].cid : country_->cid;
}

LineEngine::~LineEngine() { Stop(); }

size_t LineEngine::ReadAudio(size_t index, int16_t* out, size_t n) {
  ports_[index]->last_read_block.store(blocks_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  return ports_[index]->rx.Read(out, n);
}
size_t LineEngine::WriteAudio(size_t index, const int16_t* in, size_t n) { return ports_[index]->tx.Write(in, n); }
PortKind LineEngine::Kind(size_t index) const { return ports_[index]->kind; }

int LineEngine::Start(EventSink* sink, std::string* error) {
  if (running_) {
    *error = "the line engine is already running";
    return EBUSY;
  }
  sink_ = sink;
  if (!backend_->Open(error)) return ENODEV;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  command_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  int err = 0;
  if (epoll_fd_ < 0 || command_fd_ < 0 || stop_fd_ < 0) err = errno;
  std::vector<int> fds = backend_->PollFds();
  fds.push_back(command_fd_);
  fds.push_back(stop_fd_);
  for (size_t i = 0; err == 0 && i < fds.size(); i++) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLPRI;  // EPOLLPRI: a DAHDI channel's hook/ring events
    ev.data.fd = fds[i];
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fds[i], &ev) != 0) err = errno;
  }
  if (err == 0) {
    blocks_ = overruns_ = events_ = events_dropped_ = commands_done_ = underruns_ = sim_rejected_ = 0;
    events_coalesced_ = 0;
    cpu_ns_ = 0;
    polled_fds_ = backend_->PollFds();
    failed_fds_.clear();
    resync_fds_ = false;
    err = pthread_create(&thread_, nullptr, &LineEngine::ThreadMain, this);
  }
  if (err != 0) {
    *error = std::string("line engine: ") + strerror(err);
    for (int* fd : {&epoll_fd_, &command_fd_, &stop_fd_}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
    backend_->Close();
    return err;
  }
  // Named from here too, so the name is set before start() returns (tests and `top -H` see it).
  pthread_setname_np(thread_, "pbx-line");
  running_ = true;
  return 0;
}

void LineEngine::Stop() {
  if (!running_) return;
  uint64_t one = 1;
  ssize_t w = write(stop_fd_, &one, sizeof one);
  (void)w;
  pthread_join(thread_, nullptr);
  running_ = false;
  for (int* fd : {&epoll_fd_, &command_fd_, &stop_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  backend_->Close();
  std::lock_guard<std::mutex> lock(command_mu_);
  commands_.clear();
}

void LineEngine::Post(EngineCommand cmd) {
  {
    std::lock_guard<std::mutex> lock(command_mu_);
    commands_.push_back(std::move(cmd));
  }
  uint64_t one = 1;
  if (command_fd_ >= 0) {
    ssize_t w = write(command_fd_, &one, sizeof one);
    (void)w;
  }
}

EngineStats LineEngine::Stats() const {
  EngineStats s;
  s.running = running_;
  s.blocks = blocks_;
  s.overruns = overruns_;
  s.events = events_;
  s.events_dropped = events_dropped_;
  s.events_coalesced = events_coalesced_;
  s.ports_gone = ports_gone_;
  s.commands = commands_done_;
  s.tx_underruns = underruns_;
  for (const auto& p : ports_) s.rx_dropped += p->rx.Dropped();
  s.cpu_ms = static_cast<double>(cpu_ns_.load()) / 1e6;
  s.sim_rejected = sim_rejected_;
  std::lock_guard<std::mutex> lock(error_mu_);
  s.last_sim_error = last_sim_error_;
  return s;
}

void* LineEngine::ThreadMain(void* self) {
  pthread_setname_np(pthread_self(), "pbx-line");
  static_cast<LineEngine*>(self)->Run();
  return nullptr;
}

void LineEngine::Run() {
  std::vector<int> backend_fds = backend_->PollFds();
  struct epoll_event ready[16];
  for (;;) {
    int n = epoll_wait(epoll_fd_, ready, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bool stop = false;
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd;
      if (fd == stop_fd_) {
        stop = true;
      } else if (fd == command_fd_) {
        uint64_t count;
        ssize_t r = read(command_fd_, &count, sizeof count);
        (void)r;
        DrainCommands();
      } else {
        int due = backend_->BlocksDue(fd);
        if (due > 1) overruns_ += static_cast<uint64_t>(due - 1);
        // A late thread catches up: every due block is processed, so time never slips.
        for (int b = 0; b < due; b++) ProcessBlock();
        if (ready[i].events & (EPOLLERR | EPOLLHUP)) {
          // A dead fd stays readable-with-error forever: out of the epoll, or the thread spins.
          epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
          failed_fds_.push_back(fd);
          resync_fds_ = true;
        }
        TakeBackendEvents();
      }
    }
    if (resync_fds_) SyncBackendFds();
    cpu_ns_ = ThreadCpuNs();
    if (stop) break;
  }
}

void LineEngine::DrainCommands() {
  std::deque<EngineCommand> batch;
  {
    std::lock_guard<std::mutex> lock(command_mu_);
    batch.swap(commands_);
  }
  for (const EngineCommand& cmd : batch) Apply(cmd);
  for (const LineEvent& ev : pending_) Emit(ev);
  pending_.clear();
  // Counted once their events are out: stats() then shows a batch as wholly done.
  commands_done_ += batch.size();
}

void LineEngine::Apply(const EngineCommand& cmd) {
  size_t index = static_cast<size_t>(cmd.port - 1);
  if (cmd.kind == EngineCommand::kSim) {
    std::string error;
    if (sim_ && !sim_->Apply(cmd.sim, &pending_, &error)) {
      // State errors (dial while on hook...) are known only here; stats() reports them.
      sim_rejected_++;
      std::lock_guard<std::mutex> lock(error_mu_);
      last_sim_error_ = error;
    }
    return;
  }
  if (cmd.port < 1 || index >= ports_.size()) return;
  PortState& p = *ports_[index];
  if (p.gone) return;  // nothing to drive; JS has been told (portGone)
  switch (cmd.kind) {
    case EngineCommand::kRing:
      if (p.kind != PortKind::kFxs) return;
      if (cmd.on && !p.phone_offhook) {
        if (cmd.absence != CidAbsence::kNone && cmd.text.empty())
          p.ringer.StartAbsent(country_.get(), PortCid(index), cmd.absence, cmd.name);
        else
          p.ringer.Start(country_.get(), PortCid(index), cmd.text, cmd.name, true);
      } else {
        p.ringer.Stop();
        p.ring_voltage = false;
        backend_->SetRinging(index, false);
      }
      break;
    case EngineCommand::kHook:
      if (p.kind == PortKind::kFxs) {
        // disconnect(): the PBX cleared the call under an off-hook phone; the backend drops the
        // loop (dahdi: kewlstart battery drop, as chan_dahdi's hangup does; sim: nothing).
        if (!cmd.on && p.phone_offhook) backend_->SetHook(index, false);
        return;
      }
      p.offhook = cmd.on;
      backend_->SetHook(index, cmd.on);
      p.progress.Reset();
      p.last_progress.clear();
      if (!cmd.on) {
        dtmf_tx_init(p.dtmf_tx);
        p.dialing = false;
        p.cid_rx.Init(PortCid(index));
        p.cid_window_ms = 0;
      }
      break;
    case EngineCommand::kTone: {
      const ToneDef* def = nullptr;
      for (const ToneDef& t : country_->tones)
        if (t.name == cmd.text) def = &t;
      if (def)
        p.tone.Start(def);
      else
        p.tone.Stop();
      break;
    }
    case EngineCommand::kVmwi:
      // Sent on hook, outside ringing (ProcessBlock holds it back until then); a newer state
      // replaces one not yet sent. DTMF lines have no VMWI: nothing is sent.
      if (p.kind == PortKind::kFxs) {
        p.vmwi_on = cmd.on;
        p.vmwi_resend = false;
        p.vmwi.StartVmwi(PortCid(index), cmd.on);
      }
      break;
    case EngineCommand::kCallWaiting:
      // Only to a phone in a call; a new alert restarts the sequence.
      if (p.kind != PortKind::kFxs) return;
      if (!cmd.on || !p.phone_offhook) {
        p.cw = PortState::Cw::kNone;
        p.cw_spill.Stop();
        return;
      }
      p.cw = PortState::Cw::kBeep;
      p.cw_ms = 0;
      for (const TonePart& part : country_->callwaiting.parts) p.cw_ms += part.ms > 0 ? part.ms : kMaxBeepMs;
      if (p.cw_ms == 0) p.cw_ms = 300;
      p.cw_tone.Start(&country_->callwaiting);
      // Caller ID on call waiting is FSK only (no DTMF type II); `on` with a number or a reason.
      p.cw_cid = (PortCid(index) == CidStandard::kBell202 || PortCid(index) == CidStandard::kV23) &&
                 (!cmd.text.empty() || !cmd.name.empty() || cmd.absence != CidAbsence::kNone);
      p.cw_number = cmd.text;
      p.cw_name = cmd.name;
      p.cw_absence = cmd.absence;
      break;
    case EngineCommand::kDial:
      if (dtmf_tx_put(p.dtmf_tx, cmd.text.c_str(), static_cast<int>(cmd.text.size())) == 0) p.dialing = true;
      break;
    default:
      break;
  }
}

void LineEngine::Emit(const LineEvent& ev) {
  // Hook state the engine itself acts on: an answered phone stops ringing at once.
  if (ev.port >= 1 && static_cast<size_t>(ev.port) <= ports_.size()) {
    PortState& p = *ports_[static_cast<size_t>(ev.port) - 1];
    if (ev.type == LineEventType::kPortGone || ev.type == LineEventType::kPortBack) {
      bool gone = ev.type == LineEventType::kPortGone;
      if (p.gone == gone) return;  // a repeat changes nothing JS needs to hear
      SetGone(static_cast<size_t>(ev.port) - 1, gone);
    } else if (p.gone) {
      return;  // a gone port has nothing to say
    } else if (ev.type == LineEventType::kOffhook) {
      p.phone_offhook = true;
      if (p.vmwi.active()) {
        p.vmwi.Stop();  // half a message is no message: the whole of it goes again on hook
        p.vmwi_resend = true;
      }
      if (p.ringer.active()) {
        p.ringer.Stop();
        p.ring_voltage = false;
        backend_->SetRinging(static_cast<size_t>(ev.port) - 1, false);
      }
    } else if (ev.type == LineEventType::kPolarity && p.kind == PortKind::kFxo && !p.offhook &&
               options_[static_cast<size_t>(ev.port) - 1].cid_start == CidStart::kPolarity) {
      p.cid_window_ms = kCidWindowMs;  // the spill follows the reversal
      p.cid_rx.Init(PortCid(static_cast<size_t>(ev.port) - 1));
    } else if (ev.type == LineEventType::kOnhook) {
      p.phone_offhook = false;
      p.tone.Stop();  // a tone never outlives the call it was played to
      p.cw = PortState::Cw::kNone;
      p.cw_spill.Stop();
      if (p.vmwi_resend) {
        p.vmwi_resend = false;
        p.vmwi.StartVmwi(PortCid(static_cast<size_t>(ev.port) - 1), p.vmwi_on);
      }
    }
  }
  events_++;
  PushResult r = sink_->Post(ev);
  events_coalesced_ += r.coalesced;
  events_dropped_ += r.dropped;
}

void LineEngine::SetGone(size_t index, bool gone) {
  PortState& p = *ports_[index];
  p.gone = gone;
  if (gone) ports_gone_++;
  else ports_gone_--;
  // Either way the port (re)starts idle: whatever it was doing belonged to a call JS ends.
  p.ringer.Stop();
  p.ring_voltage = false;
  p.tone.Stop();
  dtmf_tx_init(p.dtmf_tx);
  p.dialing = false;
  p.offhook = false;
  p.phone_offhook = false;
  p.cid_rx.Init(PortCid(index));
  p.cid_window_ms = 0;
  p.progress.Reset();
  p.last_progress.clear();
  p.digits.clear();
  int16_t stale[kBlockSamples];
  while (p.tx.Read(stale, kBlockSamples) > 0) {
    // audio JS queued for the call that ended
  }
  if (!gone) failed_fds_.clear();  // the backend reopened: its fds are good again
  resync_fds_ = true;
}

void LineEngine::TakeBackendEvents() {
  backend_->TakeEvents(&pending_);
  for (const LineEvent& ev : pending_) Emit(ev);
  pending_.clear();
}

void LineEngine::SyncBackendFds() {
  resync_fds_ = false;
  std::vector<int> want;
  for (int fd : backend_->PollFds()) {
    bool failed = false;
    for (int f : failed_fds_) failed = failed || f == fd;
    if (!failed) want.push_back(fd);
  }
  for (int fd : polled_fds_) {
    bool kept = false;
    for (int w : want) kept = kept || w == fd;
    if (!kept) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);  // may be closed already: fine
  }
  for (int fd : want) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLPRI;
    ev.data.fd = fd;
    // MOD keeps a registered fd; ADD covers a new fd or a reopened one with a recycled number.
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }
  polled_fds_ = want;
}

void LineEngine::CallWaitingBlock(size_t index, int16_t* out) {
  PortState& p = *ports_[index];
  using Cw = PortState::Cw;
  switch (p.cw) {
    case Cw::kBeep:
      // The beep replaces the call's audio while it plays (the far party is not muted).
      p.cw_tone.Fill(out, kBlockSamples);
      p.cw_ms -= kBlockMs;
      if (p.cw_ms <= 0) {
        p.cw_tone.Stop();
        p.cw = p.cw_cid ? Cw::kCas : Cw::kNone;
        p.cw_ms = kCasMs;
        p.cw_acked = false;
        p.cas_phase1 = p.cas_phase2 = 0;
      }
      break;
    case Cw::kCas: {
      const double w1 = 2 * M_PI * 2130 / 8000, w2 = 2 * M_PI * 2750 / 8000;
      for (int n = 0; n < kBlockSamples; n++) {
        out[n] = static_cast<int16_t>(kCasAmplitude * (sin(p.cas_phase1) + sin(p.cas_phase2)));
        p.cas_phase1 += w1;
        p.cas_phase2 += w2;
      }
      p.cw_ms -= kBlockMs;
      if (p.cw_ms <= 0) {
        p.cw = p.cw_acked ? Cw::kGap : Cw::kAck;
        p.cw_ms = p.cw_acked ? kCasSpillGapMs : kCasAckWaitMs;
      }
      break;
    }
    case Cw::kAck:
    case Cw::kGap:
      // Quiet while the phone answers and its display gets ready (the call's audio is muted).
      memset(out, 0, sizeof(int16_t) * kBlockSamples);
      p.cw_ms -= kBlockMs;
      if (p.cw_ms <= 0 && p.cw == Cw::kAck) {
        p.cw = Cw::kNone;  // no acknowledgement: a phone without caller ID on call waiting
      } else if (p.cw_ms <= 0) {
        p.cw = p.cw_spill.Start(PortCid(index), p.cw_number, p.cw_name, p.cw_absence, true) ? Cw::kSpill : Cw::kNone;
      }
      break;
    case Cw::kSpill:
      p.cw_spill.Fill(out, kBlockSamples);
      if (!p.cw_spill.active()) p.cw = Cw::kNone;
      break;
    default:
      break;
  }
}

void LineEngine::ProcessBlock() {
  int16_t in[kBlockSamples];
  int16_t out[kBlockSamples];
  for (size_t i = 0; i < ports_.size(); i++) {
    PortState& p = *ports_[i];
    int port = static_cast<int>(i) + 1;
    if (p.gone) continue;  // no backend call for a port that is not there
    // What the PBX sends: JS's audio, replaced by native signalling while it runs.
    size_t got = p.tx.Read(out, kBlockSamples);
    if (got < static_cast<size_t>(kBlockSamples)) {
      memset(out + got, 0, sizeof(int16_t) * (kBlockSamples - got));
      if (p.offhook || p.phone_offhook) underruns_++;
    }
    if (p.tone.active()) p.tone.Fill(out, kBlockSamples);
    if (p.kind == PortKind::kFxs && p.cw != PortState::Cw::kNone) CallWaitingBlock(i, out);
    if (p.kind == PortKind::kFxs && p.vmwi.active() && !p.phone_offhook && !p.ringer.active() && !p.tone.active())
      p.vmwi.Fill(out, kBlockSamples);  // on-hook data transmission: the lamp's FSK message
    if (p.kind == PortKind::kFxs && p.ringer.active()) {
      bool on = false, polarity = false;
      p.ringer.Step(&on, &polarity, out);  // writes the spill over `out` only while one plays
      if (on != p.ring_voltage) {
        p.ring_voltage = on;
        backend_->SetRinging(i, on);
      }
    }
    if (p.kind == PortKind::kFxo && p.dialing) {
      int n = dtmf_tx(p.dtmf_tx, out, kBlockSamples);
      if (n < kBlockSamples) {
        memset(out + n, 0, sizeof(int16_t) * static_cast<size_t>(kBlockSamples - n));
        p.dialing = false;
        pending_.push_back({LineEventType::kDialComplete, port, 0, "", ""});
      }
    }
    backend_->WriteBlock(i, out);

    // What the PBX receives.
    backend_->ReadBlock(i, in);
    // A reader silent for twice the ring's length has left (the call ended); one silent for less
    // is stalled, and what its full ring cannot take is lost audio, counted.
    const uint64_t idle_reader_blocks = 2 * p.rx.Capacity() / kBlockSamples;
    const uint64_t last_read = p.last_read_block.load(std::memory_order_relaxed);
    bool listened = last_read != PortState::kNeverRead &&
                    blocks_.load(std::memory_order_relaxed) - last_read < idle_reader_blocks;
    if (listened || p.rx.Available() + kBlockSamples <= p.rx.Capacity()) p.rx.Write(in, kBlockSamples);
    if (p.kind == PortKind::kFxs) {
      p.dtmf_rx.Feed(in, kBlockSamples, &p.digits);
      for (char d : p.digits) {
        if ((p.cw == PortState::Cw::kAck || p.cw == PortState::Cw::kCas) && (d == 'D' || d == 'A')) {
          // The phone acknowledged the CAS (a quick one before the alert has even ended): its
          // caller-ID display is listening. Not a digit for JS.
          if (p.cw == PortState::Cw::kCas) {
            p.cw_acked = true;
          } else {
            p.cw = PortState::Cw::kGap;
            p.cw_ms = kCasSpillGapMs;
          }
          continue;
        }
        pending_.push_back({LineEventType::kDigit, port, 0, std::string(1, d), ""});
      }
      p.digits.clear();
    } else if (!p.offhook) {
      const PortOptions& po = options_[i];
      bool listening = po.cid_start == CidStart::kRing || p.cid_window_ms > 0;
      if (p.cid_window_ms > 0) p.cid_window_ms -= kBlockMs;
      if (listening) {
        p.cid_rx.Feed(in, kBlockSamples);
        std::string number, name;
        if (p.cid_rx.Take(&number, &name)) {
          pending_.push_back({LineEventType::kCallerId, port, 0, number, name, p.cid_rx.absence()});
          p.cid_window_ms = 0;
        }
      }
    } else {
      p.progress.Feed(in);
      const std::string& now = p.progress.current();
      if (now != p.last_progress) {
        p.last_progress = now;
        p.busy_reported = false;
      }
      // busydetect/busycount (chan_dahdi): reported once the Nth burst of the cadence is heard.
      const PortOptions& po = options_[i];
      if ((now == "busy" || now == "congestion") && po.busy_detect && !p.busy_reported &&
          p.progress.Matched() >= 2 * po.busy_count - 1) {
        p.busy_reported = true;
        pending_.push_back({LineEventType::kBusy, port, now == "congestion" ? 1 : 0, now, ""});
      }
    }
  }
  backend_->Tick(&pending_);
  blocks_++;
  for (const LineEvent& ev : pending_) Emit(ev);
  pending_.clear();
}

}  // namespace pbx
