#include "line-wrap.h"

#include <string.h>

#include "clock-wrap.h"
#include "dahdi-backend.h"
#include "js-tones.h"
#include "line-engine.h"
#include "sim-backend.h"

namespace pbx {

namespace {
struct TsfnHold;
void CallJs(Napi::Env env, Napi::Function callback, LineState* state, TsfnHold* wake);

constexpr size_t kMaxPorts = 64;
constexpr size_t kMaxDigits = 64;

const char* EventName(LineEventType t) {
  switch (t) {
    case LineEventType::kOffhook: return "offhook";
    case LineEventType::kOnhook: return "onhook";
    case LineEventType::kFlash: return "flash";
    case LineEventType::kDigit: return "digit";
    case LineEventType::kCallerId: return "callerid";
    case LineEventType::kRingBegin: return "ringBegin";
    case LineEventType::kRingEnd: return "ringEnd";
    case LineEventType::kPolarity: return "polarity";
    case LineEventType::kBusy: return "busy";
    case LineEventType::kDisconnect: return "disconnect";
    case LineEventType::kDialComplete: return "dialComplete";
    case LineEventType::kPortGone: return "portGone";
    case LineEventType::kPortBack: return "portBack";
  }
  return "unknown";
}

bool ValidDigits(const std::string& s) {
  if (s.size() > kMaxDigits) return false;
  for (char c : s)
    if (!strchr("0123456789*#ABCDabcd", c)) return false;
  return true;
}
}  // namespace

// The thread-safe function carries only wake-ups ("events pending", with the start()'s token);
// the events themselves wait in the LineState's EventQueue.
using EventFunction = Napi::TypedThreadSafeFunction<LineState, TsfnHold, &CallJs>;

class LineState : public EventSink {
 public:
  LineState(std::unique_ptr<LineEngine> e, std::shared_ptr<LineRegistry> registry)
      : engine(std::move(e)), registry_(std::move(registry)) {
    registry_->engines.insert(this);
  }
  ~LineState() override {
    Halt();
    registry_->engines.erase(this);
  }
  // Engine thread: never blocks and keeps every state-bearing event: the event joins the queue
  // by its class's rule (event-queue.h) and JS is woken only when no wake-up is pending, so the
  // thread-safe function's queue never fills; were a wake-up refused, the pending one would still
  // take everything.
  PushResult Post(const LineEvent& event) override {
    PushResult r = queue.Push(event);
    if (r.wake) tsfn.NonBlockingCall(hold);
    return r;
  }
  void Halt() {
    delivering = false;
    engine->Stop();
    if (tsfn_alive) {
      tsfn.Release();
      tsfn_alive = false;
    }
  }
  std::unique_ptr<LineEngine> engine;
  EventFunction tsfn;
  EventQueue queue;
  TsfnHold* hold = nullptr;  // this start()'s token, sent with each wake-up (owned by the TSFN)
  bool tsfn_alive = false;
  bool delivering = false;
  uint64_t generation = 0;

 private:
  std::shared_ptr<LineRegistry> registry_;
};

void LineRegistry::StopAll() {
  for (LineState* s : engines) s->Halt();
}

namespace {

struct TsfnHold {
  std::shared_ptr<LineState> state;
  uint64_t generation;
};

/** Calls the listener with one event; false when it threw (the exception is pending). */
bool DeliverOne(napi_env env, napi_value callback, const LineEvent* event) {
  napi_value obj, v, recv;
  if (napi_create_object(env, &obj) != napi_ok) return true;
  auto set_str = [&](const char* key, const std::string& s) {
    if (napi_create_string_utf8(env, s.data(), s.size(), &v) == napi_ok) napi_set_named_property(env, obj, key, v);
  };
  set_str("type", EventName(event->type));
  if (napi_create_int32(env, event->port, &v) == napi_ok) napi_set_named_property(env, obj, "port", v);
  switch (event->type) {
    case LineEventType::kDigit:
      set_str("digit", event->text);
      break;
    case LineEventType::kCallerId:
      set_str("number", event->text);
      set_str("name", event->name);
      if (event->absence != CidAbsence::kNone)
        set_str("absence", event->absence == CidAbsence::kWithheld ? "withheld" : "unavailable");
      break;
    case LineEventType::kBusy:
      set_str("tone", event->text);
      break;
    default:
      break;
  }
  if (napi_get_undefined(env, &recv) != napi_ok) return true;
  return napi_call_function(env, recv, callback, 1, &obj, nullptr) == napi_ok;
}

// JS thread, on a wake-up: takes every pending event and hands them to the listener in order.
void CallJs(Napi::Env env, Napi::Function callback, LineState* state, TsfnHold* wake) {
  if (env == nullptr || callback.IsEmpty() || state == nullptr || wake == nullptr) return;
  // A wake-up of an earlier start() belongs to that start()'s listener: not this queue's.
  if (wake->generation != state->generation || !state->delivering) return;
  std::vector<LineEvent> batch;
  state->queue.Drain(&batch);
  for (size_t i = 0; i < batch.size(); i++) {
    // A listener that stopped (or restarted) the engine gets nothing more from this batch.
    if (!state->delivering || wake->generation != state->generation) return;
    if (!DeliverOne(env, callback, &batch[i])) {
      // The listener threw: the exception surfaces first, the rest come with the next wake-up.
      std::vector<LineEvent> rest(batch.begin() + static_cast<std::ptrdiff_t>(i) + 1, batch.end());
      if (state->queue.Requeue(std::move(rest)) && state->tsfn_alive) state->tsfn.NonBlockingCall(wake);
      return;
    }
  }
}

void OnTsfnFinalize(Napi::Env, TsfnHold* hold, LineState* state) {
  if (hold->generation == state->generation) {
    state->delivering = false;
    state->engine->Stop();
    state->tsfn_alive = false;
    state->hold = nullptr;
  }
  delete hold;
}

void Throw(Napi::Env env, const std::string& msg, bool range = false) {
  if (range)
    Napi::RangeError::New(env, msg).ThrowAsJavaScriptException();
  else
    Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
}

/** A port: 'fxs' | 'fxo', or {kind, channel?, cidStandard?, cidStart?, busyDetect?, busyCount?,
 *  callProgress?, rxGainDb?, txGainDb?, echoCancelTaps?}. False with *why when malformed. */
bool ReadPortOptions(Napi::Value v, PortOptions* po, std::string* why) {
  auto kind_of = [&](Napi::Value k) {
    std::string s = k.IsString() ? k.As<Napi::String>().Utf8Value() : "";
    if (s != "fxs" && s != "fxo") return false;
    po->kind = s == "fxs" ? PortKind::kFxs : PortKind::kFxo;
    return true;
  };
  if (!v.IsObject()) {
    if (!kind_of(v)) *why = "must be 'fxs', 'fxo' or {kind, ...}";
    return why->empty();
  }
  Napi::Object o = v.As<Napi::Object>();
  if (!kind_of(o.Get("kind"))) {
    *why = "kind must be 'fxs' or 'fxo'";
    return false;
  }
  auto number = [&](const char* key, double lo, double hi, double* out) {
    Napi::Value x = o.Get(key);
    if (x.IsUndefined()) return true;
    double d = x.IsNumber() ? x.As<Napi::Number>().DoubleValue() : lo - 1;
    if (!(d >= lo && d <= hi)) {
      *why = std::string(key) + " must be " + std::to_string(static_cast<int>(lo)) + ".." + std::to_string(static_cast<int>(hi));
      return false;
    }
    *out = d;
    return true;
  };
  auto flag = [&](const char* key, bool* out) {
    Napi::Value x = o.Get(key);
    if (x.IsUndefined()) return true;
    if (!x.IsBoolean()) {
      *why = std::string(key) + " must be true or false";
      return false;
    }
    *out = x.As<Napi::Boolean>().Value();
    return true;
  };
  double channel = 0, busy_count = po->busy_count, taps = po->echo_cancel_taps;
  if (!number("channel", 1, 1023, &channel) || !number("busyCount", 1, 20, &busy_count) ||
      !number("rxGainDb", -24, 24, &po->rx_gain_db) || !number("txGainDb", -24, 24, &po->tx_gain_db) ||
      !number("echoCancelTaps", 0, 1024, &taps) || !flag("busyDetect", &po->busy_detect) ||
      !flag("callProgress", &po->call_progress))
    return false;
  po->channel = static_cast<int>(channel);
  po->busy_count = static_cast<int>(busy_count);
  po->echo_cancel_taps = static_cast<int>(taps);
  Napi::Value cid = o.Get("cidStandard");
  if (!cid.IsUndefined()) {
    if (!cid.IsString() || !ParseCidStandard(cid.As<Napi::String>().Utf8Value(), &po->cid)) {
      *why = "cidStandard must be bell202, v23, dtmf or none";
      return false;
    }
    po->cid_set = true;
  }
  Napi::Value start = o.Get("cidStart");
  if (!start.IsUndefined()) {
    std::string s = start.IsString() ? start.As<Napi::String>().Utf8Value() : "";
    if (s != "ring" && s != "polarity") {
      *why = "cidStart must be ring or polarity";
      return false;
    }
    po->cid_start = s == "ring" ? CidStart::kRing : CidStart::kPolarity;
  }
  return true;
}

}  // namespace

Napi::Function LineWrap::Define(Napi::Env env) {
  return DefineClass(env, "LineEngine",
                     {
                         InstanceMethod<&LineWrap::Start>("start"),
                         InstanceMethod<&LineWrap::Stop>("stop"),
                         InstanceMethod<&LineWrap::ReadAudio>("readAudio"),
                         InstanceMethod<&LineWrap::WriteAudio>("writeAudio"),
                         InstanceMethod<&LineWrap::Ring>("ring"),
                         InstanceMethod<&LineWrap::SetHook>("setHook"),
                         InstanceMethod<&LineWrap::Disconnect>("disconnect"),
                         InstanceMethod<&LineWrap::Dial>("dial"),
                         InstanceMethod<&LineWrap::PlayTone>("playTone"),
                         InstanceMethod<&LineWrap::SetMessageWaiting>("setMessageWaiting"),
                         InstanceMethod<&LineWrap::CallWaiting>("callWaiting"),
                         InstanceMethod<&LineWrap::Sim>("sim"),
                         InstanceMethod<&LineWrap::SimShow>("simShow"),
                         InstanceMethod<&LineWrap::Stats>("stats"),
                         InstanceMethod<&LineWrap::Warnings>("warnings"),
                     });
}

LineWrap::LineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LineWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Throw(env, "createLineEngine: expected options {backend, ports, ...}");
    return;
  }
  Napi::Object o = info[0].As<Napi::Object>();
  Napi::Value backend = o.Get("backend");
  std::string backend_name = backend.IsString() ? backend.As<Napi::String>().Utf8Value() : "";
  if (backend_name != "sim" && backend_name != "dahdi") {
    Throw(env, "createLineEngine: backend must be 'sim' or 'dahdi'");
    return;
  }
  // dahdi: the channel device (a test points it elsewhere); every port opens it once.
  std::string device = "/dev/dahdi/channel";
  Napi::Value dp = o.Get("devicePath");
  if (!dp.IsUndefined()) {
    if (!dp.IsString() || dp.As<Napi::String>().Utf8Value().empty()) {
      Throw(env, "createLineEngine: devicePath must be a non-empty string");
      return;
    }
    device = dp.As<Napi::String>().Utf8Value();
  }
  Napi::Value ports = o.Get("ports");
  if (!ports.IsArray() || ports.As<Napi::Array>().Length() == 0 || ports.As<Napi::Array>().Length() > kMaxPorts) {
    Throw(env, "createLineEngine: ports must be an array of 1..64 'fxs'|'fxo'", true);
    return;
  }
  std::vector<PortKind> kinds;
  std::vector<PortOptions> options;
  Napi::Array pa = ports.As<Napi::Array>();
  for (uint32_t i = 0; i < pa.Length(); i++) {
    PortOptions po;
    std::string why;
    if (!ReadPortOptions(pa.Get(i), &po, &why)) {
      Throw(env, "createLineEngine: ports[" + std::to_string(i) + "]: " + why);
      return;
    }
    kinds.push_back(po.kind);
    options.push_back(po);
  }
  auto country = std::make_unique<CountryConfig>();
  if (o.Get("country").IsString()) country->country = o.Get("country").As<Napi::String>().Utf8Value();
  // The call-waiting beep rides in the table but is played only by the call-waiting sequence.
  if (!o.Get("tones").IsUndefined() &&
      !ReadToneTable(env, o.Get("tones"), "createLineEngine: ", &country->tones, &country->callwaiting))
    return;
  if (country->callwaiting.parts.empty()) country->callwaiting = ToneDef{"callwaiting", {TonePart{440, 0, 300}}};
  Napi::Value cad = o.Get("ringCadenceMs");
  if (cad.IsArray()) {
    Napi::Array ca = cad.As<Napi::Array>();
    for (uint32_t i = 0; i < ca.Length() && i < 16; i++) {
      Napi::Value x = ca.Get(i);
      int ms = x.IsNumber() ? x.As<Napi::Number>().Int32Value() : 0;
      if (ms < 20 || ms > 60000) {
        Throw(env, "createLineEngine: ringCadenceMs entries must be 20..60000", true);
        return;
      }
      country->ring_cadence_ms.push_back(ms);
    }
  }
  if (country->ring_cadence_ms.size() % 2 != 0) {
    Throw(env, "createLineEngine: ringCadenceMs needs on/off pairs", true);
    return;
  }
  if (country->ring_cadence_ms.empty()) country->ring_cadence_ms = {2000, 4000};
  Napi::Value cid = o.Get("cidStandard");
  std::string cs = cid.IsString() ? cid.As<Napi::String>().Utf8Value() : "bell202";
  if (!ParseCidStandard(cs, &country->cid)) {
    Throw(env, "createLineEngine: cidStandard must be bell202, v23, dtmf or none");
    return;
  }
  int period_ms = 20;
  Napi::Value pm = o.Get("periodMs");
  if (!pm.IsUndefined()) {
    if (!pm.IsNumber() || pm.As<Napi::Number>().Int32Value() < 1 || pm.As<Napi::Number>().Int32Value() > 1000) {
      Throw(env, "createLineEngine: periodMs must be 1..1000", true);
      return;
    }
    period_ms = pm.As<Napi::Number>().Int32Value();
  }
  queue_size_ = 64;
  Napi::Value qs = o.Get("eventQueueSize");
  if (!qs.IsUndefined()) {
    if (!qs.IsNumber() || qs.As<Napi::Number>().Int32Value() < 1 || qs.As<Napi::Number>().Int32Value() > 4096) {
      Throw(env, "createLineEngine: eventQueueSize must be 1..4096", true);
      return;
    }
    queue_size_ = static_cast<size_t>(qs.As<Napi::Number>().Int32Value());
  }
  std::unique_ptr<PortBackend> port_backend;
  SimBackend* sim_ptr = nullptr;
  if (backend_name == "dahdi") {
    for (size_t i = 0; i < options.size(); i++)
      for (size_t j = 0; j < i; j++)
        if (options[i].channel != 0 && options[i].channel == options[j].channel) {
          Throw(env, "createLineEngine: ports[" + std::to_string(i) + "]: DAHDI channel " +
                         std::to_string(options[i].channel) + " is already ports[" + std::to_string(j) + "]",
                true);
          return;
        }
    port_backend = std::make_unique<DahdiBackend>(options, country.get(), device);
  } else {
    auto sim = std::make_unique<SimBackend>(kinds, country.get(), period_ms);
    sim_ptr = sim.get();
    port_backend = std::move(sim);
  }
  auto engine = std::make_unique<LineEngine>(std::move(country), std::move(options), std::move(port_backend), sim_ptr);
  state_ = std::make_shared<LineState>(std::move(engine), env.GetInstanceData<AddonData>()->lines);
}

LineWrap::~LineWrap() {
  if (state_) state_->Halt();
}

Napi::Value LineWrap::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Throw(env, "lineEngine.start: expected a callback (event)");
    return env.Undefined();
  }
  if (state_->engine->running()) {
    Napi::Error::New(env, "lineEngine.start: already running").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  state_->generation++;
  auto* hold = new TsfnHold{state_, state_->generation};
  state_->queue.Clear();
  state_->queue.set_digit_bound(queue_size_);
  state_->hold = hold;
  // Two slots: at most one wake-up is ever outstanding (the queue's wake flag), plus slack.
  state_->tsfn = EventFunction::New(env, info[0].As<Napi::Function>(), "pbx.lineEvents", 2, 1, state_.get(),
                                    &OnTsfnFinalize, hold);
  state_->tsfn_alive = true;
  state_->delivering = true;
  std::string error;
  int err = state_->engine->Start(state_.get(), &error);
  if (err != 0) {
    state_->Halt();
    Napi::Error::New(env, "lineEngine.start: " + error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!self_ref_) {
    Ref();
    self_ref_ = true;
  }
  return env.Undefined();
}

Napi::Value LineWrap::Stop(const Napi::CallbackInfo& info) {
  state_->Halt();
  if (self_ref_) {
    Unref();
    self_ref_ = false;
  }
  return info.Env().Undefined();
}

bool LineWrap::PortArg(const Napi::CallbackInfo& info, const char* what, size_t* index) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Throw(env, std::string(what) + ": expected a port number");
    return false;
  }
  int64_t port = info[0].As<Napi::Number>().Int64Value();
  if (port < 1 || static_cast<size_t>(port) > state_->engine->PortCount()) {
    Throw(env, std::string(what) + ": no port " + std::to_string(port), true);
    return false;
  }
  *index = static_cast<size_t>(port - 1);
  return true;
}

Napi::Value LineWrap::ReadAudio(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.readAudio", &index)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
    Throw(env, "lineEngine.readAudio: expected an Int16Array");
    return env.Undefined();
  }
  Napi::Int16Array a = info[1].As<Napi::Int16Array>();
  return Napi::Number::New(env, static_cast<double>(state_->engine->ReadAudio(index, a.Data(), a.ElementLength())));
}

Napi::Value LineWrap::WriteAudio(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.writeAudio", &index)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
    Throw(env, "lineEngine.writeAudio: expected an Int16Array");
    return env.Undefined();
  }
  Napi::Int16Array a = info[1].As<Napi::Int16Array>();
  return Napi::Number::New(env, static_cast<double>(state_->engine->WriteAudio(index, a.Data(), a.ElementLength())));
}

Napi::Value LineWrap::Ring(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.ring", &index)) return env.Undefined();
  if (state_->engine->Kind(index) != PortKind::kFxs) {
    Throw(env, "lineEngine.ring: port " + std::to_string(index + 1) + " is not an FXS port", true);
    return env.Undefined();
  }
  EngineCommand cmd;
  cmd.kind = EngineCommand::kRing;
  cmd.port = static_cast<int>(index) + 1;
  cmd.on = info.Length() > 1 && info[1].ToBoolean().Value();
  if (info.Length() > 2 && info[2].IsString()) cmd.text = info[2].As<Napi::String>().Utf8Value();
  if (info.Length() > 3 && info[3].IsString()) cmd.name = info[3].As<Napi::String>().Utf8Value();
  if (info.Length() > 4 && info[4].IsString()) {
    std::string a = info[4].As<Napi::String>().Utf8Value();
    if (a == "withheld") cmd.absence = CidAbsence::kWithheld;
    else if (a == "unavailable") cmd.absence = CidAbsence::kUnavailable;
    else if (!a.empty()) {
      Throw(env, "lineEngine.ring: absence must be 'withheld' or 'unavailable'");
      return env.Undefined();
    }
  }
  state_->engine->Post(std::move(cmd));
  return env.Undefined();
}

Napi::Value LineWrap::SetHook(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.setHook", &index)) return env.Undefined();
  if (state_->engine->Kind(index) != PortKind::kFxo) {
    Throw(env, "lineEngine.setHook: port " + std::to_string(index + 1) + " is not an FXO port", true);
    return env.Undefined();
  }
  EngineCommand cmd;
  cmd.kind = EngineCommand::kHook;
  cmd.port = static_cast<int>(index) + 1;
  cmd.on = info.Length() > 1 && info[1].ToBoolean().Value();
  state_->engine->Post(std::move(cmd));
  return env.Undefined();
}

// disconnect(port): FXS: the PBX cleared the call while the phone is still off hook. DAHDI drops
// the loop for a moment (kewlstart), which answering machines and an FXO port on the far side
// take as the caller hanging up; the sim phone notices nothing. No effect on an on-hook phone.
Napi::Value LineWrap::Disconnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.disconnect", &index)) return env.Undefined();
  if (state_->engine->Kind(index) != PortKind::kFxs) {
    Throw(env, "lineEngine.disconnect: port " + std::to_string(index + 1) + " is not an FXS port", true);
    return env.Undefined();
  }
  EngineCommand cmd;
  cmd.kind = EngineCommand::kHook;
  cmd.port = static_cast<int>(index) + 1;
  cmd.on = false;
  state_->engine->Post(std::move(cmd));
  return env.Undefined();
}

Napi::Value LineWrap::Dial(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.dial", &index)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsString() || !ValidDigits(info[1].As<Napi::String>().Utf8Value())) {
    Throw(env, "lineEngine.dial: expected up to 64 digits 0-9*#A-D");
    return env.Undefined();
  }
  EngineCommand cmd;
  cmd.kind = EngineCommand::kDial;
  cmd.port = static_cast<int>(index) + 1;
  cmd.text = info[1].As<Napi::String>().Utf8Value();
  state_->engine->Post(std::move(cmd));
  return env.Undefined();
}

// playTone(port, 'dial'|'dialrecall'|'ringback'|'busy'|'congestion'|null): the country's tone
// (dialrecall: stutter dial tone, indications.conf's name), natively paced,
// over whatever JS writes, until replaced or stopped (null) or the phone hangs up.
Napi::Value LineWrap::PlayTone(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.playTone", &index)) return env.Undefined();
  std::string name;
  if (info.Length() > 1 && info[1].IsString()) {
    name = info[1].As<Napi::String>().Utf8Value();
    if (name != "dial" && name != "dialrecall" && name != "ringback" && name != "busy" && name != "congestion") {
      Throw(env, "lineEngine.playTone: tone must be dial, dialrecall, ringback, busy, congestion or null", true);
      return env.Undefined();
    }
  } else if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) {
    Throw(env, "lineEngine.playTone: tone must be a string or null");
    return env.Undefined();
  }
  EngineCommand cmd;
  cmd.kind = EngineCommand::kTone;
  cmd.port = static_cast<int>(index) + 1;
  cmd.text = name;
  state_->engine->Post(std::move(cmd));
  return env.Undefined();
}

// callWaiting(port, on, number?, name?, absence?): FXS: alert the off-hook phone of a second call
// (the country's call-waiting beep, then, with a number, name or reason, the CAS alert and, once
// the phone acknowledges it, a type II FSK caller-ID spill); on = false stops a sequence.
Napi::Value LineWrap::CallWaiting(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.callWaiting", &index)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsBoolean()) {
    Throw(env, "lineEngine.callWaiting: expected (port, on: boolean, number?, name?, absence?)", true);
    return env.Undefined();
  }
  EngineCommand cmd;
  cmd.kind = EngineCommand::kCallWaiting;
  cmd.port = static_cast<int>(index) + 1;
  cmd.on = info[1].As<Napi::Boolean>().Value();
  if (info.Length() > 2 && info[2].IsString()) cmd.text = info[2].As<Napi::String>().Utf8Value().substr(0, 20);
  if (info.Length() > 3 && info[3].IsString()) cmd.name = info[3].As<Napi::String>().Utf8Value().substr(0, 15);
  if (info.Length() > 4 && info[4].IsString()) {
    std::string a = info[4].As<Napi::String>().Utf8Value();
    if (a == "withheld") cmd.absence = CidAbsence::kWithheld;
    else if (a == "unavailable") cmd.absence = CidAbsence::kUnavailable;
  }
  state_->engine->Post(std::move(cmd));
  return env.Undefined();
}

// setMessageWaiting(port, on): FXS: send the phone an FSK VMWI message (lamp on/off) while it is on
// hook and not ringing (Bell 202 or V.23 per the port's caller-ID standard; DTMF lines: nothing).
Napi::Value LineWrap::SetMessageWaiting(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t index;
  if (!PortArg(info, "lineEngine.setMessageWaiting", &index)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsBoolean()) {
    Throw(env, "lineEngine.setMessageWaiting: expected (port, on: boolean)", true);
    return env.Undefined();
  }
  EngineCommand cmd;
  cmd.kind = EngineCommand::kVmwi;
  cmd.port = static_cast<int>(index) + 1;
  cmd.on = info[1].As<Napi::Boolean>().Value();
  state_->engine->Post(std::move(cmd));
  return env.Undefined();
}

// sim({target: 'phone'|'line', port, action, digits?, number?, name?, absence?}): validated here, applied
// on the engine thread in order with everything else.
Napi::Value LineWrap::Sim(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Throw(env, "lineEngine.sim: expected {target, port, action}");
    return env.Undefined();
  }
  if (!state_->engine->has_sim()) {
    Napi::Error::New(env, "lineEngine.sim: this engine has no sim backend (backend: 'dahdi')").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  auto str = [&](const char* k) {
    Napi::Value v = o.Get(k);
    return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  };
  SimCommand sc;
  std::string target = str("target");
  sc.phone = target == "phone";
  sc.action = str("action");
  Napi::Value pv = o.Get("port");
  sc.port = pv.IsNumber() ? pv.As<Napi::Number>().Int32Value() : 0;
  if (target != "phone" && target != "line") {
    Throw(env, "lineEngine.sim: target must be 'phone' or 'line'");
    return env.Undefined();
  }
  if (sc.port < 1 || static_cast<size_t>(sc.port) > state_->engine->PortCount()) {
    Throw(env, "lineEngine.sim: no port " + std::to_string(sc.port), true);
    return env.Undefined();
  }
  PortKind kind = state_->engine->Kind(static_cast<size_t>(sc.port) - 1);
  if (sc.phone != (kind == PortKind::kFxs)) {
    Throw(env, "lineEngine.sim: port " + std::to_string(sc.port) +
                   (sc.phone ? " is an FXO port (sim line), not a phone" : " is an FXS port (sim phone), not a line"),
          true);
    return env.Undefined();
  }
  static const char* phone_actions[] = {"offhook", "onhook", "flash", "dial", "tone", "unplug", "plug"};
  static const char* line_actions[] = {"ring", "hangup", "busy", "unplug", "plug"};
  bool known = false;
  if (sc.phone)
    for (const char* a : phone_actions) known = known || sc.action == a;
  else
    for (const char* a : line_actions) known = known || sc.action == a;
  if (!known) {
    Throw(env, "lineEngine.sim: unknown " + target + " action '" + sc.action + "'", true);
    return env.Undefined();
  }
  if (sc.action == "dial") {
    sc.digits = str("digits");
    if (sc.digits.empty() || !ValidDigits(sc.digits)) {
      Throw(env, "lineEngine.sim: dial needs up to 64 digits 0-9*#A-D", true);
      return env.Undefined();
    }
  }
  if (sc.action == "tone") {
    Napi::Value hz = o.Get("hz");
    int v = hz.IsNumber() ? hz.As<Napi::Number>().Int32Value() : -1;
    if (v != 0 && (v < 200 || v > 3400)) {
      Throw(env, "lineEngine.sim: tone needs hz 200..3400 (0 stops it)", true);
      return env.Undefined();
    }
    sc.hz = v;
  }
  if (sc.action == "ring") {
    sc.digits = str("number").substr(0, 20);
    sc.name = str("name").substr(0, 15);
    std::string absence = str("absence");
    if (absence == "withheld") sc.absence = CidAbsence::kWithheld;
    else if (absence == "unavailable") sc.absence = CidAbsence::kUnavailable;
    else if (!absence.empty()) {
      Throw(env, "lineEngine.sim: absence must be 'withheld' or 'unavailable'", true);
      return env.Undefined();
    }
  }
  EngineCommand cmd;
  cmd.kind = EngineCommand::kSim;
  cmd.port = sc.port;
  cmd.sim = std::move(sc);
  state_->engine->Post(std::move(cmd));
  return env.Undefined();
}

Napi::Value LineWrap::SimShow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<SimPortStatus> st = state_->engine->SimStatus();
  Napi::Array out = Napi::Array::New(env, st.size());
  for (size_t i = 0; i < st.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("port", st[i].port);
    o.Set("kind", st[i].fxs ? "fxs" : "fxo");
    o.Set("state", st[i].state);
    o.Set("hears", st[i].hears);
    o.Set("digits", st[i].digits);
    o.Set("callerNumber", st[i].cid_number);
    o.Set("callerName", st[i].cid_name);
    o.Set("callerAbsence", st[i].cid_absence);
    o.Set("vmwi", st[i].vmwi);
    o.Set("tones", st[i].tones);
    o.Set("alerts", static_cast<double>(st[i].alerts));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

// warnings(): what the backend worked around when it opened (dahdi: tone zone not loaded, echo
// canceller refused...), for the PBX's log; [] before start() and for the sim.
Napi::Value LineWrap::Warnings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> w = state_->engine->BackendWarnings();
  Napi::Array out = Napi::Array::New(env, w.size());
  for (size_t i = 0; i < w.size(); i++) out.Set(static_cast<uint32_t>(i), w[i]);
  return out;
}

Napi::Value LineWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EngineStats s = state_->engine->Stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("running", s.running);
  o.Set("ports", static_cast<double>(state_->engine->PortCount()));
  o.Set("blocks", static_cast<double>(s.blocks));
  o.Set("overruns", static_cast<double>(s.overruns));
  o.Set("events", static_cast<double>(s.events));
  o.Set("eventsDropped", static_cast<double>(s.events_dropped));
  o.Set("eventsCoalesced", static_cast<double>(s.events_coalesced));
  o.Set("eventBacklogMax", static_cast<double>(state_->queue.max_backlog()));
  o.Set("portsGone", static_cast<double>(s.ports_gone));
  o.Set("commands", static_cast<double>(s.commands));
  o.Set("rxDroppedSamples", static_cast<double>(s.rx_dropped));
  o.Set("txUnderruns", static_cast<double>(s.tx_underruns));
  o.Set("cpuMs", s.cpu_ms);
  o.Set("simRejected", static_cast<double>(s.sim_rejected));
  o.Set("lastSimError", s.last_sim_error);
  return o;
}

}  // namespace pbx
