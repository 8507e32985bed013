#include "js-tones.h"

namespace pbx {

bool ReadToneTable(Napi::Env env, Napi::Value v, const std::string& who, std::vector<ToneDef>* out, ToneDef* callwaiting) {
  auto fail = [&](const std::string& msg, bool range) {
    if (range)
      Napi::RangeError::New(env, who + msg).ThrowAsJavaScriptException();
    else
      Napi::TypeError::New(env, who + msg).ThrowAsJavaScriptException();
    return false;
  };
  if (!v.IsArray()) return fail("tones must be an array of {name, parts}", false);
  Napi::Array arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length() && i < 16; i++) {
    Napi::Value t = arr.Get(i);
    if (!t.IsObject() || !t.As<Napi::Object>().Get("name").IsString() || !t.As<Napi::Object>().Get("parts").IsArray())
      return fail("tones[] must be objects {name, parts}", false);
    Napi::Object o = t.As<Napi::Object>();
    ToneDef def;
    def.name = o.Get("name").As<Napi::String>().Utf8Value();
    Napi::Array parts = o.Get("parts").As<Napi::Array>();
    for (uint32_t j = 0; j < parts.Length() && j < 32; j++) {
      Napi::Value pv = parts.Get(j);
      if (!pv.IsObject()) continue;
      Napi::Object po = pv.As<Napi::Object>();
      auto num = [&](const char* k) {
        Napi::Value x = po.Get(k);
        return x.IsNumber() ? x.As<Napi::Number>().Int32Value() : 0;
      };
      TonePart part;
      part.f1 = num("f1");
      part.f2 = num("f2");
      part.ms = num("ms");
      if (part.f1 < 0 || part.f1 > 3999 || part.f2 < 0 || part.f2 > 3999 || part.ms < 0)
        return fail("tone frequencies 0..3999 Hz, durations >= 0", true);
      def.parts.push_back(part);
    }
    if (def.name == "callwaiting") {
      if (callwaiting) *callwaiting = std::move(def);
      continue;
    }
    out->push_back(std::move(def));
  }
  return true;
}

bool ParseCidStandard(const std::string& name, CidStandard* out) {
  if (name == "bell202") *out = CidStandard::kBell202;
  else if (name == "v23") *out = CidStandard::kV23;
  else if (name == "dtmf") *out = CidStandard::kDtmf;
  else if (name == "none") *out = CidStandard::kNone;
  else return false;
  return true;
}

}  // namespace pbx
