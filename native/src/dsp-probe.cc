#include "dsp-probe.h"

#include <string.h>

#include "caller-id.h"
#include "js-tones.h"
#include "port-dsp.h"
#include "tones.h"

namespace pbx {

namespace {

constexpr size_t kMaxProbeSamples = 8000 * 600;  // ten minutes of audio

void Throw(Napi::Env env, const std::string& msg, bool range = false) {
  if (range)
    Napi::RangeError::New(env, "dspDetect: " + msg).ThrowAsJavaScriptException();
  else
    Napi::TypeError::New(env, "dspDetect: " + msg).ThrowAsJavaScriptException();
}

}  // namespace

std::vector<ProbeDetection> RunDspProbe(ProbeKind kind, const int16_t* samples, size_t n, CidStandard cid,
                                        const std::vector<ToneDef>& tones) {
  std::vector<ProbeDetection> found;
  // Constructed as the engine's PortState constructs them.
  std::string digits;
  PortDtmfDetector dtmf;
  CidReceiver cid_rx;
  if (kind == ProbeKind::kCid) cid_rx.Init(cid);
  ToneClassifier progress(&tones);
  std::string last_progress;

  int16_t block[kBlockSamples];
  for (size_t start = 0; start < n; start += kBlockSamples) {
    size_t take = n - start < static_cast<size_t>(kBlockSamples) ? n - start : kBlockSamples;
    memcpy(block, samples + start, take * sizeof(int16_t));
    if (take < static_cast<size_t>(kBlockSamples)) memset(block + take, 0, (kBlockSamples - take) * sizeof(int16_t));
    size_t end = start + kBlockSamples;
    // The same per-block steps as LineEngine::ProcessBlock.
    if (kind == ProbeKind::kDtmf) {
      dtmf.Feed(block, kBlockSamples, &digits);
      for (char d : digits) {
        ProbeDetection det;
        det.offset = end;
        det.digit = std::string(1, d);
        found.push_back(det);
      }
      digits.clear();
    } else if (kind == ProbeKind::kCid) {
      cid_rx.Feed(block, kBlockSamples);
      ProbeDetection det;
      if (cid_rx.Take(&det.number, &det.name)) {
        det.offset = end;
        det.datetime = cid_rx.datetime();
        det.absence = cid_rx.absence();
        found.push_back(det);
      }
    } else {
      progress.Feed(block);
      const std::string& now = progress.current();
      if (now != last_progress) {
        ProbeDetection det;
        det.offset = end;
        det.tone = now;
        found.push_back(det);
        last_progress = now;
      }
    }
  }
  return found;
}

Napi::Value DspDetectJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Throw(env, "expected {kind, samples, cidStandard?, tones?}");
    return env.Undefined();
  }
  Napi::Object o = info[0].As<Napi::Object>();
  Napi::Value kv = o.Get("kind");
  std::string ks = kv.IsString() ? kv.As<Napi::String>().Utf8Value() : "";
  ProbeKind kind;
  if (ks == "dtmf") kind = ProbeKind::kDtmf;
  else if (ks == "cid") kind = ProbeKind::kCid;
  else if (ks == "tones") kind = ProbeKind::kTones;
  else {
    Throw(env, "kind must be dtmf, cid or tones");
    return env.Undefined();
  }
  Napi::Value sv = o.Get("samples");
  if (!sv.IsTypedArray() || sv.As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
    Throw(env, "samples must be an Int16Array");
    return env.Undefined();
  }
  Napi::Int16Array samples = sv.As<Napi::Int16Array>();
  if (samples.ElementLength() > kMaxProbeSamples) {
    Throw(env, "at most ten minutes of samples", true);
    return env.Undefined();
  }
  CidStandard cid = CidStandard::kNone;
  if (kind == ProbeKind::kCid) {
    Napi::Value cv = o.Get("cidStandard");
    std::string cs = cv.IsString() ? cv.As<Napi::String>().Utf8Value() : "";
    if (cs == "none" || !ParseCidStandard(cs, &cid)) {
      Throw(env, "cidStandard must be bell202, v23 or dtmf");
      return env.Undefined();
    }
  }
  std::vector<ToneDef> tones;
  if (kind == ProbeKind::kTones && !ReadToneTable(env, o.Get("tones"), "dspDetect: ", &tones)) return env.Undefined();

  std::vector<ProbeDetection> found = RunDspProbe(kind, samples.Data(), samples.ElementLength(), cid, tones);
  Napi::Array out = Napi::Array::New(env, found.size());
  for (size_t i = 0; i < found.size(); i++) {
    const ProbeDetection& d = found[i];
    Napi::Object r = Napi::Object::New(env);
    r.Set("offset", Napi::Number::New(env, static_cast<double>(d.offset)));
    if (kind == ProbeKind::kDtmf) {
      r.Set("digit", d.digit);
    } else if (kind == ProbeKind::kCid) {
      r.Set("number", d.number);
      r.Set("name", d.name);
      r.Set("datetime", d.datetime);
      if (d.absence != CidAbsence::kNone) r.Set("absence", d.absence == CidAbsence::kWithheld ? "withheld" : "unavailable");
    } else {
      r.Set("tone", d.tone);
    }
    out.Set(static_cast<uint32_t>(i), r);
  }
  return out;
}

}  // namespace pbx
