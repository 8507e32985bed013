#include "dahdi-backend.h"

#include <string.h>

#include <cerrno>

#ifdef PBX_HAVE_DAHDI
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cmath>

#include <dahdi/user.h>
#include <spandsp.h>
#endif

namespace pbx {

namespace {

constexpr size_t kFifoBlocks = 4;  // received blocks a port may hold (DAHDI's own buffers: 4)

}  // namespace

struct DahdiBackend::Port {
  PortOptions opt;
  int fd = -1;
  bool closed = true;  // no fd: not opened yet, or lost (ENODEV...) and waiting to be reopened
  bool alarm = false;  // the span is in alarm: fd kept for NOALARM, the port is gone meanwhile
  int law = 1;         // DAHDI_LAW_MULAW or DAHDI_LAW_ALAW (the gain tables need it)
  // FXS: the phone is off hook. FXO: we hold the line.
  bool offhook = false;
  // FXS: ringing voltage applied (DAHDI_HOOK RING). FXO: the exchange is ringing us.
  bool ringing = false;
  int16_t fifo[kFifoBlocks][kBlockSamples];
  size_t head = 0, count = 0;

  bool present() const { return !closed && !alarm; }
  void Push(const int16_t* block) {
    if (count == kFifoBlocks) {  // the engine fell behind this port: the oldest block goes
      head = (head + 1) % kFifoBlocks;
      count--;
    }
    memcpy(fifo[(head + count) % kFifoBlocks], block, sizeof(int16_t) * kBlockSamples);
    count++;
  }
  bool Pop(int16_t* out) {
    if (count == 0) return false;
    memcpy(out, fifo[head], sizeof(int16_t) * kBlockSamples);
    head = (head + 1) % kFifoBlocks;
    count--;
    return true;
  }
};

DahdiBackend::DahdiBackend(std::vector<PortOptions> options, const CountryConfig* country, std::string device)
    : country_(country), device_(std::move(device)) {
  for (size_t i = 0; i < options.size(); i++) {
    auto p = std::make_unique<Port>();
    p->opt = options[i];
    if (p->opt.channel == 0) p->opt.channel = static_cast<int>(i + 1);
    ports_.push_back(std::move(p));
  }
  pacer_ = ports_.size();
}

DahdiBackend::~DahdiBackend() { Close(); }

PortKind DahdiBackend::Kind(size_t index) const { return ports_[index]->opt.kind; }

void DahdiBackend::TakeEvents(std::vector<LineEvent>* events) {
  events->insert(events->end(), pending_.begin(), pending_.end());
  pending_.clear();
}

void DahdiBackend::Tick(std::vector<LineEvent>* events) {
  (void)events;  // events leave through TakeEvents, right after the wake-up that found them
}

void DahdiBackend::ReadBlock(size_t index, int16_t* out) {
  if (!ports_[index]->Pop(out)) memset(out, 0, sizeof(int16_t) * kBlockSamples);
}

#ifndef PBX_HAVE_DAHDI

bool DahdiBuiltIn() { return false; }

bool DahdiBackend::Open(std::string* error) {
  *error =
      "built without DAHDI headers: run apt-get install dahdi-dkms (or let scripts/build-native.mjs "
      "fetch it: it needs dahdi/user.h) and npm ci";
  return false;
}
std::vector<int> DahdiBackend::PollFds() const { return {}; }
int DahdiBackend::BlocksDue(int) { return 0; }
void DahdiBackend::WriteBlock(size_t, const int16_t*) {}
void DahdiBackend::SetRinging(size_t, bool) {}
void DahdiBackend::SetHook(size_t, bool) {}
void DahdiBackend::Close() {}
bool DahdiBackend::OpenPort(size_t, std::string*, std::vector<std::string>*) { return false; }
int DahdiBackend::Drain(size_t) { return 0; }
void DahdiBackend::TakeHardwareEvents(size_t) {}
void DahdiBackend::MapEvent(size_t, int) {}
void DahdiBackend::Lost(size_t) {}
void DahdiBackend::Reopen() {}
void DahdiBackend::ChoosePacer() {}
void DahdiBackend::ArmRetry(bool) {}

#else  // PBX_HAVE_DAHDI

bool DahdiBuiltIn() { return true; }

namespace {

constexpr int kBlockBytes = kBlockSamples * 2;  // signed linear
constexpr int kRetrySeconds = 2;                 // how often a gone port is reopened
// The kernel rings for this long on DAHDI_HOOK RING; the engine's cadence (at most 60 s on)
// always ends a burst first with DAHDI_HOOK RINGOFF.
constexpr int kKernelRingMs = 64000;

/** system.conf's word for a signalling, for messages. */
std::string SigName(int sig) {
  switch (sig) {
    case DAHDI_SIG_FXSLS: return "fxsls";
    case DAHDI_SIG_FXSGS: return "fxsgs";
    case DAHDI_SIG_FXSKS: return "fxsks";
    case DAHDI_SIG_FXOLS: return "fxols";
    case DAHDI_SIG_FXOGS: return "fxogs";
    case DAHDI_SIG_FXOKS: return "fxoks";
    case DAHDI_SIG_NONE: return "unused";
  }
  char buf[48];
  snprintf(buf, sizeof buf, "signalling 0x%x (not analog)", static_cast<unsigned>(sig));
  return buf;
}

std::string Chan(int channel) { return "DAHDI channel " + std::to_string(channel); }

/** libtonezone's zone number for a country (the numbers dahdi_cfg's loadzone uses), or -1. */
int FindZone(const std::string& country, std::vector<std::string>* warnings) {
  // libtonezone ships with dahdi_cfg (the image has it); dlopen keeps it optional at build time.
  void* lib = dlopen("libtonezone.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    warnings->push_back("libtonezone.so.2 not found: DAHDI channels keep their default tone zone (system.conf defaultzone=)");
    return -1;
  }
  using FindFn = void* (*)(char*);
  auto find = reinterpret_cast<FindFn>(dlsym(lib, "tone_zone_find"));
  // Canada uses the North American zone; libtonezone has no "ca".
  std::string name = country == "ca" ? "us" : country;
  int zone = -1;
  if (find) {
    // struct tone_zone starts with `int zone` (libtonezone's tonezone.h).
    void* z = find(const_cast<char*>(name.c_str()));
    if (z) zone = *static_cast<int*>(z);
  }
  dlclose(lib);
  if (zone < 0)
    warnings->push_back("DAHDI has no tone zone for country '" + country + "': channels keep their default tone zone");
  return zone;
}

/** DAHDI_SETGAINS tables for the channel's law: what DAHDI applies to every sample. */
bool SetGains(int fd, int law, double rx_db, double tx_db) {
  struct dahdi_gains g;
  memset(&g, 0, sizeof g);
  double rx = std::pow(10.0, rx_db / 20.0), tx = std::pow(10.0, tx_db / 20.0);
  for (int j = 0; j < 256; j++) {
    int16_t lin = law == DAHDI_LAW_ALAW ? alaw_to_linear(static_cast<uint8_t>(j)) : ulaw_to_linear(static_cast<uint8_t>(j));
    auto scale = [&](double f) {
      double v = lin * f;
      int s = static_cast<int>(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
      return law == DAHDI_LAW_ALAW ? linear_to_alaw(s) : linear_to_ulaw(s);
    };
    g.rxgain[j] = scale(rx);
    g.txgain[j] = scale(tx);
  }
  return ioctl(fd, DAHDI_SETGAINS, &g) == 0;
}

/** DAHDI's echo canceller (the module system.conf's echocanceller= gives the channel); 0 = off. */
bool SetEchoCanceller(int fd, int taps) {
  struct {
    struct dahdi_echocanparams head;
    struct dahdi_echocanparam params[DAHDI_MAX_ECHOCANPARAMS];
  } ec;
  memset(&ec, 0, sizeof ec);
  ec.head.tap_length = static_cast<uint32_t>(taps);
  return ioctl(fd, DAHDI_ECHOCANCEL_PARAMS, &ec) == 0;
}

bool Hook(int fd, int what) {
  int x = what;
  // Non-blocking RING/FLASH answer EINPROGRESS: started, the kernel finishes it.
  return ioctl(fd, DAHDI_HOOK, &x) == 0 || errno == EINPROGRESS;
}

bool FatalErrno(int e) { return e != EAGAIN && e != EINTR && e != ELAST && e != EINPROGRESS && e != EBUSY; }

}  // namespace

bool DahdiBackend::Open(std::string* error) {
  warnings_.clear();
  pending_.clear();
  zone_warned_ = false;
  for (size_t i = 0; i < ports_.size(); i++)
    for (size_t j = 0; j < i; j++)
      if (ports_[i]->opt.channel == ports_[j]->opt.channel) {
        *error = Chan(ports_[i]->opt.channel) + " is given to two ports (" + std::to_string(j + 1) + " and " +
                 std::to_string(i + 1) + ")";
        return false;
      }
  zone_ = FindZone(country_->country, &warnings_);
  for (size_t i = 0; i < ports_.size(); i++) {
    if (!OpenPort(i, error, &warnings_)) {
      Close();
      warnings_.clear();
      pending_.clear();
      return false;
    }
  }
  retry_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (retry_fd_ < 0) {
    *error = std::string("dahdi: timerfd_create: ") + strerror(errno);
    Close();
    return false;
  }
  retry_armed_ = false;
  ChoosePacer();
  return true;
}

bool DahdiBackend::OpenPort(size_t index, std::string* error, std::vector<std::string>* warnings) {
  Port& p = *ports_[index];
  const int channel = p.opt.channel;
  const std::string chan = Chan(channel);
  int fd = open(device_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT || e == ENODEV || e == ENXIO)
      *error = "DAHDI is not loaded (no " + device_ +
               "): load the dahdi modules (modprobe dahdi) and configure the channels with dahdi_cfg";
    else if (e == EACCES || e == EPERM)
      *error = "cannot open " + device_ + ": " + strerror(e) + " (the PBX needs root or the group owning /dev/dahdi)";
    else
      *error = "cannot open " + device_ + ": " + strerror(e);
    return false;
  }
  auto fail = [&](const std::string& why) {
    close(fd);
    *error = why;
    return false;
  };
  int ch = channel;
  if (ioctl(fd, DAHDI_SPECIFY, &ch) != 0) {
    int e = errno;
    if (e == EINVAL)
      return fail(chan + " is not configured (system.conf): no span has it; is the card's driver loaded and dahdi_cfg run?");
    if (e == ENXIO)
      return fail(chan + " is not configured (system.conf): it has no signalling; give it fxoks (a phone port) or fxsks (a line port) and run dahdi_cfg");
    if (e == EBUSY) return fail(chan + " is in use by another program (is Asterisk running?)");
    if (e == ENOTTY) return fail(device_ + " is not a DAHDI channel device (DAHDI_SPECIFY " + std::to_string(channel) + ": " + strerror(e) + ")");
    return fail(chan + ": DAHDI_SPECIFY: " + strerror(e));
  }
  struct dahdi_params par;
  memset(&par, 0, sizeof par);
  if (ioctl(fd, DAHDI_GET_PARAMS, &par) != 0) return fail(chan + ": DAHDI_GET_PARAMS: " + strerror(errno));
  // The PBX's FXS port (a phone plugs in) speaks FXO signalling towards the phone, and the other
  // way round: system.conf names the signalling, pbx.conf/chan_dahdi.conf the port.
  if (p.opt.kind == PortKind::kFxs && !(par.sigtype & __DAHDI_SIG_FXO))
    return fail(chan + " is " + SigName(par.sigtype) +
                " in system.conf, but it is configured as an FXS port (a phone): an FXS port needs FXO signalling (fxoks, fxols or fxogs)");
  if (p.opt.kind == PortKind::kFxo && !(par.sigtype & __DAHDI_SIG_FXS))
    return fail(chan + " is " + SigName(par.sigtype) +
                " in system.conf, but it is configured as an FXO port (a line): an FXO port needs FXS signalling (fxsks, fxsls or fxsgs)");
  p.law = par.curlaw == DAHDI_LAW_ALAW ? DAHDI_LAW_ALAW : DAHDI_LAW_MULAW;

  int bs = kBlockSamples;
  if (ioctl(fd, DAHDI_SET_BLOCKSIZE, &bs) != 0) return fail(chan + ": DAHDI_SET_BLOCKSIZE: " + strerror(errno));
  struct dahdi_bufferinfo bi;
  memset(&bi, 0, sizeof bi);
  if (ioctl(fd, DAHDI_GET_BUFINFO, &bi) == 0) {
    // chan_dahdi's default `buffers=4,immediate`: 80 ms of slack each way, no added latency.
    bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
    bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
    bi.numbufs = static_cast<int>(kFifoBlocks);
    bi.bufsize = kBlockSamples;
    if (ioctl(fd, DAHDI_SET_BUFINFO, &bi) != 0) return fail(chan + ": DAHDI_SET_BUFINFO: " + strerror(errno));
  }
  int one = 1;
  if (ioctl(fd, DAHDI_SETLINEAR, &one) != 0) return fail(chan + ": DAHDI_SETLINEAR: " + strerror(errno));

  // Tone zone: the engine makes every tone itself, but DAHDI refuses to ring (ENODATA) on a
  // channel without one. The country's zone when loaded, else the default zone.
  int zone = zone_;
  if (zone < 0 || ioctl(fd, DAHDI_SETTONEZONE, &zone) != 0) {
    if (zone >= 0 && !zone_warned_)
      warnings->push_back("DAHDI tone zone '" + country_->country + "' is not loaded (system.conf loadzone=" +
                          country_->country + "): channels keep the default zone");
    zone_warned_ = zone_warned_ || zone >= 0;
    int def = DAHDI_TONE_ZONE_DEFAULT;
    if (ioctl(fd, DAHDI_SETTONEZONE, &def) != 0 && p.opt.kind == PortKind::kFxs)
      return fail(chan + ": no DAHDI tone zone is loaded, so it cannot ring: add loadzone=" + country_->country +
                  " and defaultzone=" + country_->country + " to system.conf and run dahdi_cfg");
  }
  if (p.opt.kind == PortKind::kFxs) {
    // The engine runs the ring cadence (so the caller-ID spill lands in the first pause on the
    // same clock as the audio): each burst is DAHDI_HOOK RING ... RINGOFF, and the kernel's own
    // cadence is one burst longer than any the engine asks for. (After SETTONEZONE, which
    // copies the zone's cadence over the channel's.)
    struct dahdi_ring_cadence cad;
    memset(&cad, 0, sizeof cad);
    cad.ringcadence[0] = kKernelRingMs;
    cad.ringcadence[1] = 4000;
    if (ioctl(fd, DAHDI_SETCADENCE, &cad) != 0) return fail(chan + ": DAHDI_SETCADENCE: " + strerror(errno));
  }
  if ((p.opt.rx_gain_db != 0 || p.opt.tx_gain_db != 0) && !SetGains(fd, p.law, p.opt.rx_gain_db, p.opt.tx_gain_db))
    return fail(chan + ": DAHDI_SETGAINS: " + strerror(errno));
  if (!SetEchoCanceller(fd, p.opt.echo_cancel_taps) && p.opt.echo_cancel_taps > 0)
    warnings->push_back(chan + ": echo canceller (" + std::to_string(p.opt.echo_cancel_taps) + " taps) not enabled: " + strerror(errno));

  p.fd = fd;
  p.closed = false;
  p.alarm = par.chan_alarms != 0;  // a span in alarm (no card power, cable...): gone until NOALARM
  p.head = p.count = 0;
  p.ringing = false;
  if (p.alarm) {
    p.offhook = false;
    pending_.push_back({LineEventType::kPortGone, static_cast<int>(index) + 1, 0, "", ""});
  } else if (p.opt.kind == PortKind::kFxs) {
    // A phone already off hook when we open: take it (as chan_dahdi does on RINGOFFHOOK) and
    // say so, so it gets dial tone; otherwise leave the line alone (no battery drop).
    p.offhook = par.rxisoffhook != 0;
    if (p.offhook) {
      Hook(fd, DAHDI_OFFHOOK);
      pending_.push_back({LineEventType::kOffhook, static_cast<int>(index) + 1, 0, "", ""});
    }
  } else {
    // On hook already: DAHDI hangs a channel up when its last fd closes (a PBX restart). An
    // explicit ONHOOK here would only restart DAHDI's 2 s ring debounce, hiding RINGBEGIN.
    p.offhook = false;
  }
  return true;
}

std::vector<int> DahdiBackend::PollFds() const {
  std::vector<int> fds;
  for (const auto& p : ports_)
    if (!p->closed) fds.push_back(p->fd);
  if (retry_fd_ >= 0) fds.push_back(retry_fd_);
  return fds;
}

int DahdiBackend::BlocksDue(int fd) {
  if (fd < 0) return 0;
  if (fd == retry_fd_) {
    uint64_t n;
    ssize_t r = read(retry_fd_, &n, sizeof n);
    (void)r;
    Reopen();
    return 0;
  }
  size_t index = ports_.size();
  for (size_t i = 0; i < ports_.size(); i++)
    if (!ports_[i]->closed && ports_[i]->fd == fd) index = i;
  if (index == ports_.size()) return 0;
  if (index != pacer_) {
    Drain(index);
    return 0;
  }
  // The pacer's blocks are the engine's clock; every other port is read at the same moment, so
  // all ports move together (DAHDI fills a span's channels in one interrupt).
  int due = Drain(index);
  for (size_t i = 0; i < ports_.size(); i++)
    if (i != index && !ports_[i]->closed) Drain(i);
  if (pacer_ != index) return 0;  // the pacer was lost while reading: its blocks are not due
  return due;
}

int DahdiBackend::Drain(size_t index) {
  Port& p = *ports_[index];
  TakeHardwareEvents(index);
  int got = 0;
  int16_t block[kBlockSamples];
  for (int tries = 0; !p.closed && got < static_cast<int>(kFifoBlocks) && tries < 16; tries++) {
    ssize_t n = read(p.fd, block, kBlockBytes);
    if (n > 0) {
      if (n < kBlockBytes) memset(reinterpret_cast<char*>(block) + n, 0, static_cast<size_t>(kBlockBytes - n));
      if (!p.alarm) p.Push(block);  // a port in alarm is gone: its audio is not the PBX's
      got++;
      continue;
    }
    if (n < 0 && errno == ELAST) {  // an event is waiting: DAHDI hands no audio until it is taken
      TakeHardwareEvents(index);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && FatalErrno(errno)) {
      Lost(index);
      break;
    }
    break;  // EAGAIN: nothing more now
  }
  if (got == 0 && !p.closed) {
    // Woken with nothing to read: make sure the fd is not reporting an error (a dead fd would
    // stay readable-with-error and spin the engine).
    struct pollfd pf = {p.fd, POLLIN | POLLPRI, 0};
    if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLERR | POLLHUP | POLLNVAL))) Lost(index);
  }
  return p.alarm ? 0 : got;
}

void DahdiBackend::TakeHardwareEvents(size_t index) {
  Port& p = *ports_[index];
  for (int i = 0; i < 32 && !p.closed; i++) {
    int e = 0;
    if (ioctl(p.fd, DAHDI_GETEVENT, &e) != 0) {
      if (FatalErrno(errno)) Lost(index);
      return;
    }
    if (e == DAHDI_EVENT_NONE) return;
    MapEvent(index, e);
  }
}

void DahdiBackend::MapEvent(size_t index, int event) {
  Port& p = *ports_[index];
  const int port = static_cast<int>(index) + 1;
  auto emit = [&](LineEventType t, std::string text = "") { pending_.push_back({t, port, 0, std::move(text), ""}); };
  if (event == DAHDI_EVENT_REMOVED) {  // the card went away: the channel will not come back on this fd
    Lost(index);
    return;
  }
  if (event == DAHDI_EVENT_ALARM) {
    if (!p.alarm) {
      p.alarm = true;
      p.offhook = p.ringing = false;
      p.head = p.count = 0;
      emit(LineEventType::kPortGone);
      ChoosePacer();
    }
    return;
  }
  if (event == DAHDI_EVENT_NOALARM) {
    if (p.alarm) {
      p.alarm = false;
      if (p.opt.kind == PortKind::kFxo) Hook(p.fd, DAHDI_ONHOOK);
      emit(LineEventType::kPortBack);
      ChoosePacer();
    }
    return;
  }
  if (p.alarm) return;
  if ((event & DAHDI_EVENT_PULSEDIGIT) != 0) {
    // A rotary phone: DAHDI counts the loop breaks; the digit goes the same way as DTMF.
    if (p.opt.kind == PortKind::kFxs && p.offhook) emit(LineEventType::kDigit, std::string(1, static_cast<char>(event & 0xff)));
    return;
  }
  if (event & (DAHDI_EVENT_DTMFDOWN | DAHDI_EVENT_DTMFUP)) return;  // the engine detects DTMF itself
  if (p.opt.kind == PortKind::kFxs) {
    switch (event) {
      case DAHDI_EVENT_RINGOFFHOOK:  // the phone went off hook (answer, or to dial)
        if (!p.offhook) {
          p.offhook = true;
          p.ringing = false;
          // OFFHOOK stops a ring cadence at once and puts the channel in the call state (as
          // chan_dahdi does), so a later ONHOOK from us drops the loop (kewlstart).
          Hook(p.fd, DAHDI_OFFHOOK);
          emit(LineEventType::kOffhook);
        }
        break;
      case DAHDI_EVENT_ONHOOK:  // hung up (DAHDI reports it after rxflash: not a flash)
        if (p.offhook) {
          p.offhook = false;
          Hook(p.fd, DAHDI_ONHOOK);  // idle again, ready to ring; no battery drop (phone on hook)
          emit(LineEventType::kOnhook);
        }
        break;
      case DAHDI_EVENT_WINKFLASH:
        if (p.offhook) emit(LineEventType::kFlash);
        break;
      default:
        break;  // RINGERON/RINGEROFF (our own bursts), HOOKCOMPLETE, DIALCOMPLETE...
    }
    return;
  }
  switch (event) {
    case DAHDI_EVENT_RINGBEGIN:  // ringing voltage appeared
      if (!p.ringing) {
        p.ringing = true;
        emit(LineEventType::kRingBegin);
      }
      break;
    case DAHDI_EVENT_RINGOFFHOOK:
      // On an FXS-signalled channel this is "a ring ended" (DAHDI's ring trailer expired);
      // kernels built without RINGBEGIN report only this, so a lone one is a whole ring.
      if (!p.ringing && !p.offhook) emit(LineEventType::kRingBegin);
      if (p.ringing || !p.offhook) emit(LineEventType::kRingEnd);
      p.ringing = false;
      break;
    case DAHDI_EVENT_ONHOOK:  // loop current gone while we hold the line: the far end cleared
      if (p.offhook) emit(LineEventType::kDisconnect);
      break;
    case DAHDI_EVENT_POLARITY:
      emit(LineEventType::kPolarity);
      break;
    default:
      break;
  }
}

void DahdiBackend::WriteBlock(size_t index, const int16_t* in) {
  Port& p = *ports_[index];
  if (!p.present()) return;
  for (int tries = 0; tries < 3; tries++) {
    ssize_t n = write(p.fd, in, kBlockBytes);
    if (n >= 0) return;
    if (errno == ELAST) {  // an event first, then the audio
      TakeHardwareEvents(index);
      if (p.closed) return;
      continue;
    }
    if (errno == EINTR) continue;
    if (FatalErrno(errno)) Lost(index);
    return;  // EAGAIN: DAHDI's buffers are full (we are ahead); this block is dropped
  }
}

void DahdiBackend::SetRinging(size_t index, bool on) {
  Port& p = *ports_[index];
  if (!p.present() || p.opt.kind != PortKind::kFxs) return;
  if (p.offhook) {
    // Answered: the RINGOFFHOOK handling already sent OFFHOOK, which stopped the ringing; a
    // RINGOFF now would put the channel on hook under a phone in a call.
    p.ringing = false;
    return;
  }
  if (on == p.ringing) return;
  p.ringing = on;
  Hook(p.fd, on ? DAHDI_RING : DAHDI_RINGOFF);
}

void DahdiBackend::SetHook(size_t index, bool offhook) {
  Port& p = *ports_[index];
  if (!p.present()) return;
  if (p.opt.kind == PortKind::kFxs) {
    // The PBX hung up on an off-hook phone: ONHOOK makes DAHDI drop the battery for its kewl
    // time (fxoks), the far end's loop-current disconnect. The phone is still off hook: when it
    // hangs up, ONHOOK arrives as usual (DAHDI reports it even if it happens during the drop).
    if (!offhook && p.offhook) Hook(p.fd, DAHDI_ONHOOK);
    return;
  }
  p.offhook = offhook;
  Hook(p.fd, offhook ? DAHDI_OFFHOOK : DAHDI_ONHOOK);
}

void DahdiBackend::Lost(size_t index) {
  Port& p = *ports_[index];
  if (p.closed) return;
  bool was_present = p.present();
  close(p.fd);  // also leaves the engine's epoll (the last reference to the file is gone)
  p.fd = -1;
  p.closed = true;
  p.alarm = false;
  p.offhook = p.ringing = false;
  p.head = p.count = 0;
  if (was_present) pending_.push_back({LineEventType::kPortGone, static_cast<int>(index) + 1, 0, "", ""});
  ChoosePacer();
  ArmRetry(true);
}

void DahdiBackend::Reopen() {
  bool waiting = false;
  for (size_t i = 0; i < ports_.size(); i++) {
    Port& p = *ports_[i];
    if (!p.closed) continue;
    std::string why;
    std::vector<std::string> ignored;  // reported at start already; JS may be reading warnings_
    size_t mark = pending_.size();
    if (!OpenPort(i, &why, &ignored)) {  // still gone (why: the same reasons as at start); try again later
      waiting = true;
      continue;
    }
    if (p.alarm) {
      // Back but in alarm: stay closed and try again later. (Only a portBack makes the engine
      // poll the new fd, so an open fd of a gone port would never be heard from.)
      pending_.resize(mark);
      close(p.fd);
      p.fd = -1;
      p.closed = true;
      p.alarm = false;
      waiting = true;
      continue;
    }
    // Back, idle: the portBack goes before what OpenPort found (a phone already off hook).
    pending_.insert(pending_.begin() + static_cast<std::ptrdiff_t>(mark),
                    LineEvent{LineEventType::kPortBack, static_cast<int>(i) + 1, 0, "", ""});
  }
  ChoosePacer();
  ArmRetry(waiting);
}

void DahdiBackend::ChoosePacer() {
  pacer_ = ports_.size();
  for (size_t i = 0; i < ports_.size() && pacer_ == ports_.size(); i++)
    if (ports_[i]->present()) pacer_ = i;
  // With every port in alarm the first open one still paces (its reads go on; blocks are not due).
  for (size_t i = 0; i < ports_.size() && pacer_ == ports_.size(); i++)
    if (!ports_[i]->closed) pacer_ = i;
}

void DahdiBackend::ArmRetry(bool on) {
  if (retry_fd_ < 0 || on == retry_armed_) return;
  struct itimerspec spec;
  memset(&spec, 0, sizeof spec);
  if (on) {
    spec.it_value.tv_sec = kRetrySeconds;
    spec.it_interval.tv_sec = kRetrySeconds;
  }
  timerfd_settime(retry_fd_, 0, &spec, nullptr);
  retry_armed_ = on;
}

void DahdiBackend::Close() {
  for (auto& p : ports_) {
    if (p->fd >= 0) {
      // Leave nothing ringing or seized: DAHDI resets a channel on close anyway, this is explicit.
      if (!p->closed) Hook(p->fd, DAHDI_ONHOOK);
      close(p->fd);
    }
    p->fd = -1;
    p->closed = true;
    p->alarm = false;
    p->offhook = p->ringing = false;
    p->head = p->count = 0;
  }
  if (retry_fd_ >= 0) close(retry_fd_);
  retry_fd_ = -1;
  retry_armed_ = false;
  pacer_ = ports_.size();
}

#endif  // PBX_HAVE_DAHDI

}  // namespace pbx
