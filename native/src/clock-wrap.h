// The JS face of the media clock: `new Clock(options)` / `createClock(options)` with start(cb),
// stop() and stats(). Ticks cross to JS through a bounded thread-safe function fed with
// non-blocking calls; a full queue coalesces ticks instead of blocking the clock thread.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <set>

#include "clock-core.h"
#include "line-wrap.h"

namespace pbx {

class ClockState;

/** Every clock of one Node environment (main thread or a worker), stopped when it tears down. */
struct ClockRegistry {
  std::set<ClockState*> clocks;
  void StopAll();
};

/** Per-environment instance data. */
struct AddonData {
  Napi::FunctionReference clock_constructor;
  std::shared_ptr<ClockRegistry> registry = std::make_shared<ClockRegistry>();
  // The line engines of this environment (line-wrap.cc), stopped with the clocks at teardown.
  Napi::FunctionReference line_constructor;
  std::shared_ptr<LineRegistry> lines = std::make_shared<LineRegistry>();
};

class ClockWrap : public Napi::ObjectWrap<ClockWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ClockWrap(const Napi::CallbackInfo& info);
  ~ClockWrap() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);

  // Shared with the thread-safe function's finalizer: whichever of the JS object and the TSFN
  // goes last frees the state, so neither can outlive the other's memory at env teardown.
  std::shared_ptr<ClockState> state_;
  bool self_ref_ = false;
};

}  // namespace pbx
