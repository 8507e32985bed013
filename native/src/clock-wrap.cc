#include "clock-wrap.h"

#include <string.h>

#include <cmath>

namespace pbx {

namespace {
void CallJs(Napi::Env env, Napi::Function callback, ClockState* state, TickSlot* slot);
}

using TickFunction = Napi::TypedThreadSafeFunction<ClockState, TickSlot, &CallJs>;

/** Everything one clock owns; lives on the JS thread except ClockCore's thread-side fields. */
class ClockState : public TickSink {
 public:
  ClockState(const ClockConfig& config, std::shared_ptr<ClockRegistry> registry)
      : core(config), registry_(std::move(registry)) {
    registry_->clocks.insert(this);
  }
  ~ClockState() override {
    Halt();
    registry_->clocks.erase(this);
  }

  // Clock thread.
  DeliverResult Deliver(TickSlot* slot) override {
    switch (tsfn.NonBlockingCall(slot)) {
      case napi_ok:
        return DeliverResult::kQueued;
      case napi_queue_full:
        return DeliverResult::kQueueFull;
      default:
        return DeliverResult::kClosing;
    }
  }

  /** Stops the thread, then gives up the TSFN so it no longer holds the event loop open. */
  void Halt() {
    delivering = false;
    core.Stop();
    if (tsfn_alive) {
      tsfn.Release();
      tsfn_alive = false;
    }
  }

  ClockCore core;
  TickFunction tsfn;
  bool tsfn_alive = false;
  uint64_t generation = 0;
  // JS thread only.
  bool delivering = false;
  uint64_t deliveries = 0;
  LatenessHistogram delivery_late;

 private:
  std::shared_ptr<ClockRegistry> registry_;
};

void ClockRegistry::StopAll() {
  for (ClockState* clock : clocks) clock->Halt();
}

namespace {

/** What the TSFN finalizer holds: the state, and which run the TSFN belonged to. */
struct TsfnHold {
  std::shared_ptr<ClockState> state;
  uint64_t generation;
};

void CallJs(Napi::Env env, Napi::Function callback, ClockState* state, TickSlot* slot) {
  // env is null when Node drains the queue of a TSFN being deleted: the state may be gone.
  if (env == nullptr || callback.IsEmpty()) return;
  // Ticks still queued when stop() ran are dropped: after stop() no callback fires.
  if (!state->delivering) return;
  int64_t late_ns = MonotonicNs() - slot->deadline_ns;
  state->delivery_late.Record(late_ns);
  state->deliveries++;
  // Plain Node-API calls with their status ignored: while a worker terminates, JS cannot run and
  // these fail; node-addon-api's wrappers would turn that failure into a fatal error. An
  // exception thrown by the callback stays pending and Node reports it as uncaught.
  napi_value argv[2];
  napi_value recv;
  if (napi_create_double(env, static_cast<double>(slot->ticks), &argv[0]) != napi_ok) return;
  if (napi_create_double(env, static_cast<double>(late_ns) / 1000.0, &argv[1]) != napi_ok) return;
  if (napi_get_undefined(env, &recv) != napi_ok) return;
  napi_call_function(env, recv, callback, 2, argv, nullptr);
}

void OnTsfnFinalize(Napi::Env, TsfnHold* hold, ClockState* state) {
  // Node finalizes a TSFN on its own only when the environment tears down; the thread must be
  // joined before the TSFN memory goes. A finalizer of an earlier run must not touch a newer one.
  if (hold->generation == state->generation) {
    state->delivering = false;
    state->core.Stop();
    state->tsfn_alive = false;
  }
  delete hold;
}

bool ReadOption(Napi::Object options, const char* name, double min, double max, double* out) {
  Napi::Value v = options.Get(name);
  if (v.IsUndefined()) return true;
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()) ||
      v.As<Napi::Number>().DoubleValue() < min || v.As<Napi::Number>().DoubleValue() > max) {
    std::string msg = std::string("createClock: ") + name + " must be a number from " + std::to_string(min) +
                      " to " + std::to_string(max);
    Napi::RangeError::New(options.Env(), msg).ThrowAsJavaScriptException();
    return false;
  }
  *out = v.As<Napi::Number>().DoubleValue();
  return true;
}

double Us(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

}  // namespace

Napi::Function ClockWrap::Define(Napi::Env env) {
  return DefineClass(env, "Clock",
                     {
                         InstanceMethod<&ClockWrap::Start>("start"),
                         InstanceMethod<&ClockWrap::Stop>("stop"),
                         InstanceMethod<&ClockWrap::Stats>("stats"),
                     });
}

ClockWrap::ClockWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ClockWrap>(info) {
  Napi::Env env = info.Env();
  ClockConfig config;
  double period_ms = 20, priority = config.priority, queue_size = config.queue_size;
  bool realtime = true;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsObject()) {
      Napi::TypeError::New(env, "createClock: options must be an object").ThrowAsJavaScriptException();
      return;
    }
    Napi::Object options = info[0].As<Napi::Object>();
    if (!ReadOption(options, "periodMs", 1, 1000, &period_ms)) return;
    if (!ReadOption(options, "priority", 1, 99, &priority)) return;
    if (!ReadOption(options, "queueSize", 1, 64, &queue_size)) return;
    Napi::Value rt = options.Get("realtime");
    if (!rt.IsUndefined()) {
      if (!rt.IsBoolean()) {
        Napi::TypeError::New(env, "createClock: realtime must be a boolean").ThrowAsJavaScriptException();
        return;
      }
      realtime = rt.As<Napi::Boolean>().Value();
    }
  }
  config.period_ns = static_cast<int64_t>(std::llround(period_ms * 1e6));
  config.priority = static_cast<int>(priority);
  config.queue_size = static_cast<int>(queue_size);
  config.want_realtime = realtime;
  AddonData* data = env.GetInstanceData<AddonData>();
  state_ = std::make_shared<ClockState>(config, data->registry);
}

ClockWrap::~ClockWrap() {
  if (state_) state_->Halt();
}

Napi::Value ClockWrap::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "clock.start: expected a callback (ticks, lateUs)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (state_->core.running()) {
    Napi::Error::New(env, "clock.start: the clock is already running").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  state_->generation++;
  auto* hold = new TsfnHold{state_, state_->generation};
  state_->tsfn = TickFunction::New(env, info[0].As<Napi::Function>(), "pbx.mediaClock",
                                   static_cast<size_t>(state_->core.config().queue_size), 1, state_.get(),
                                   &OnTsfnFinalize, hold);
  state_->tsfn_alive = true;
  state_->deliveries = 0;
  state_->delivery_late.Reset();
  state_->delivering = true;
  int err = state_->core.Start(state_.get());
  if (err != 0) {
    state_->Halt();
    Napi::Error::New(env, std::string("clock.start: ") + strerror(err)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // A running clock must not be collected with its thread (the caller may drop the object).
  if (!self_ref_) {
    Ref();
    self_ref_ = true;
  }
  return env.Undefined();
}

Napi::Value ClockWrap::Stop(const Napi::CallbackInfo& info) {
  state_->Halt();
  if (self_ref_) {
    Unref();
    self_ref_ = false;
  }
  return info.Env().Undefined();
}

Napi::Value ClockWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ClockStats s = state_->core.Stats();
  const LatenessHistogram& late = state_->delivery_late;
  Napi::Object out = Napi::Object::New(env);
  out.Set("periodMs", static_cast<double>(state_->core.config().period_ns) / 1e6);
  out.Set("running", state_->core.running());
  out.Set("ticks", static_cast<double>(s.ticks));
  out.Set("overruns", static_cast<double>(s.overruns));
  out.Set("deliveries", static_cast<double>(state_->deliveries));
  out.Set("droppedDeliveries", static_cast<double>(s.dropped_deliveries));
  out.Set("maxLateUs", Us(late.MaxNs()));
  out.Set("p50LateUs", Us(late.QuantileNs(0.5)));
  out.Set("p99LateUs", Us(late.QuantileNs(0.99)));
  out.Set("maxWakeLateUs", Us(s.max_wake_late_ns));
  out.Set("p50WakeLateUs", Us(s.p50_wake_late_ns));
  out.Set("p99WakeLateUs", Us(s.p99_wake_late_ns));
  out.Set("realtime", s.realtime);
  out.Set("realtimeError", s.realtime_error == 0 ? std::string() : std::string(strerror(s.realtime_error)));
  return out;
}

}  // namespace pbx
