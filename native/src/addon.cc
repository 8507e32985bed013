// Module entry: per-environment instance data (the Clock constructor and the registry of live
// clocks) and a cleanup hook that stops every clock thread when the environment tears down
// (process exit, or a worker thread ending).
#include <napi.h>

#include "clock-wrap.h"
#include "dahdi-backend.h"
#include "dsp-probe.h"
#include "dsp-smoke.h"
#include "line-wrap.h"

namespace pbx {

namespace {

constexpr size_t kMaxDigits = 64;

Napi::Value CreateClock(const Napi::CallbackInfo& info) {
  AddonData* data = info.Env().GetInstanceData<AddonData>();
  if (info.Length() > 0) return data->clock_constructor.New({info[0]});
  return data->clock_constructor.New({});
}

Napi::Value SpandspVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), SpandspRelease());
}

Napi::Value DtmfRoundTripJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "dtmfRoundTrip: expected a string of digits").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string digits = info[0].As<Napi::String>().Utf8Value();
  if (digits.size() > kMaxDigits) {
    Napi::RangeError::New(env, "dtmfRoundTrip: at most 64 digits").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::String::New(env, DtmfRoundTrip(digits));
}

Napi::Value CreateLineEngine(const Napi::CallbackInfo& info) {
  AddonData* data = info.Env().GetInstanceData<AddonData>();
  if (info.Length() > 0) return data->line_constructor.New({info[0]});
  return data->line_constructor.New({});
}

void StopClocks(AddonData* data) {
  data->lines->StopAll();
  data->registry->StopAll();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  Napi::Function clock = ClockWrap::Define(env);
  data->clock_constructor = Napi::Persistent(clock);
  Napi::Function line = LineWrap::Define(env);
  data->line_constructor = Napi::Persistent(line);
  env.SetInstanceData<AddonData>(data);
  // Registered before any clock's thread-safe function, so at teardown it runs after theirs
  // (hooks run in reverse order); either order is safe, as both paths stop and join the thread.
  env.AddCleanupHook(StopClocks, data);

  exports.Set("Clock", clock);
  exports.Set("createClock", Napi::Function::New<CreateClock>(env, "createClock"));
  exports.Set("createLineEngine", Napi::Function::New<CreateLineEngine>(env, "createLineEngine"));
  exports.Set("spandspVersion", Napi::Function::New<SpandspVersion>(env, "spandspVersion"));
  exports.Set("dtmfRoundTrip", Napi::Function::New<DtmfRoundTripJs>(env, "dtmfRoundTrip"));
  exports.Set("dspDetect", Napi::Function::New<DspDetectJs>(env, "dspDetect"));
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  // Built with DAHDI's headers: createLineEngine({backend: 'dahdi'}) can open real channels.
  exports.Set("dahdiSupport", Napi::Boolean::New(env, DahdiBuiltIn()));
  return exports;
}

}  // namespace

}  // namespace pbx

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return pbx::Init(env, exports); }

NODE_API_MODULE(pbx_native, InitModule)
