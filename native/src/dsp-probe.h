// The DSP probe: runs one of the line engine's PBX-side detectors (DTMF, caller ID, call-progress
// tones) over a buffer of samples, block by block (160 samples, as the engine thread does), and
// reports what it detected with the sample offset. It builds its detectors through the same code
// as the engine (port-dsp.h, CidReceiver, ToneClassifier), so conformance tests that feed it
// synthesised signals measure the product's settings, not a copy of them.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "port-backend.h"

namespace pbx {

enum class ProbeKind { kDtmf, kCid, kTones };

struct ProbeDetection {
  /** Samples from the start of the buffer to the end of the block in which it was reported. */
  size_t offset = 0;
  std::string digit;                     // dtmf
  std::string number, name, datetime;    // cid
  CidAbsence absence = CidAbsence::kNone;  // cid: why the number is missing
  std::string tone;                      // tones: the classifier's new name
};

/** Runs the detector over `samples` (padded with silence to whole blocks). */
std::vector<ProbeDetection> RunDspProbe(ProbeKind kind, const int16_t* samples, size_t n, CidStandard cid,
                                        const std::vector<ToneDef>& tones);

/** JS: dspDetect({kind, samples, cidStandard?, tones?}) -> detections. */
Napi::Value DspDetectJs(const Napi::CallbackInfo& info);

}  // namespace pbx
