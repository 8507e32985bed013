// The `dahdi` backend: real analog cards (and dahdi_dynamic_loc loopback spans) through
// /dev/dahdi/channel. One non-blocking fd per port, opened on its DAHDI channel number, set to
// 160-sample signed-linear blocks; the fds sit in the engine's epoll (audio: EPOLLIN, hook and
// ring events: EPOLLPRI -> DAHDI_GETEVENT). DAHDI's own clock paces the engine: blocks are due
// when the first present port has read one, every other port is drained into a small FIFO at the
// same moment (a port with nothing this block gives silence). DAHDI only signals; tones, DTMF,
// caller ID and the ring cadence stay in the engine, like every other backend.
// Without DAHDI's headers at build time (PBX_HAVE_DAHDI undefined) Open() says how to get them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "port-backend.h"

namespace pbx {

/** True when the addon was built with DAHDI's headers (dahdi/user.h). */
bool DahdiBuiltIn();

class DahdiBackend : public PortBackend {
 public:
  /** `options[i].channel` is port i's DAHDI channel (0: i + 1); `device` is /dev/dahdi/channel. */
  DahdiBackend(std::vector<PortOptions> options, const CountryConfig* country, std::string device);
  ~DahdiBackend() override;

  bool Open(std::string* error) override;
  std::vector<int> PollFds() const override;
  int BlocksDue(int fd) override;
  size_t PortCount() const override { return ports_.size(); }
  PortKind Kind(size_t index) const override;
  void ReadBlock(size_t index, int16_t* out) override;
  void WriteBlock(size_t index, const int16_t* in) override;
  void SetRinging(size_t index, bool on) override;
  void SetHook(size_t index, bool offhook) override;
  void Tick(std::vector<LineEvent>* events) override;
  void TakeEvents(std::vector<LineEvent>* events) override;
  std::vector<std::string> Warnings() const override { return warnings_; }
  void Close() override;

  struct Port;

 private:
  /** Opens and sets up one port; what it works around goes to *warnings. */
  bool OpenPort(size_t index, std::string* error, std::vector<std::string>* warnings);
  int Drain(size_t index);
  void TakeHardwareEvents(size_t index);
  void MapEvent(size_t index, int event);
  /** The port's fd failed (ENODEV, EIO, the channel was removed): close it, report the port gone. */
  void Lost(size_t index);
  void Reopen();
  void ChoosePacer();
  void ArmRetry(bool on);

  std::vector<std::unique_ptr<Port>> ports_;
  const CountryConfig* country_;
  std::string device_;
  int zone_ = -1;  // the country's DAHDI tone zone number, -1: keep the channel's default
  bool zone_warned_ = false;
  int retry_fd_ = -1;  // timerfd: reopens ports that are gone, armed while one is
  bool retry_armed_ = false;
  size_t pacer_ = 0;  // the port whose reads pace the engine; == ports_.size(): none present
  std::vector<LineEvent> pending_;
  std::vector<std::string> warnings_;  // written by Open() only (JS thread), read by Warnings()
};

}  // namespace pbx
