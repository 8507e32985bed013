// The PBX-side detectors of a port as the product configures them: DTMF detection on FXS ports
// (spandsp dtmf_rx with the twist limits below and Asterisk-like bridging of short breaks). The
// line engine builds its detector here and so does the DSP probe (dsp-probe.cc), so the
// conformance tests (test/unit/native/dsp-conformance.test.ts) measure exactly what the engine
// runs; a setting changes here or nowhere. Caller ID (CidReceiver, caller-id.h) and call-progress
// tones (ToneClassifier, tones.h) are classes both construct the same way already.
#pragma once

#include <cstdint>
#include <string>

struct dtmf_rx_state_s;

namespace pbx {

/**
 * Twist limits handed to spandsp. ITU-T Q.24 (the Bellcore figures spandsp documents) has a
 * receiver accept the high group up to 4 dB louder than the low group ("reverse" twist) and up to
 * 8 dB quieter ("normal" twist, what a long line does to the high tones). spandsp judges twist on
 * the energies of 102-sample Goertzel blocks, which wobble by about a dB with phase and block
 * alignment: set to the norm exactly it drops most digits at 4 and 8 dB. Set 2 dB wider, every
 * digit is kept at 4 dB reverse and 6 dB normal twist (99% at 8 dB normal, where spandsp's fixed
 * relative-peak test costs the rest) and every digit is rejected from 7 dB reverse and 11.5 dB
 * normal (test/unit/native/dsp-conformance.test.ts measures it).
 */
constexpr int kDtmfNormalTwistDb = 10;
constexpr int kDtmfReverseTwistDb = 6;

/** DTMF detection for one port: spandsp's receiver plus the bridging of short breaks. */
class PortDtmfDetector {
 public:
  PortDtmfDetector();
  ~PortDtmfDetector();
  PortDtmfDetector(const PortDtmfDetector&) = delete;
  PortDtmfDetector& operator=(const PortDtmfDetector&) = delete;

  /** Feeds n samples; appends each newly pressed digit to *digits. */
  void Feed(const int16_t* samples, int n, std::string* digits);

  // spandsp callback target.
  void OnToneChange(int code);

 private:
  dtmf_rx_state_s* rx_ = nullptr;
  uint64_t fed_ = 0;            // samples fed since creation (spandsp's blocks start at 0)
  int sounding_ = 0;            // the digit spandsp reports as on, 0 for none
  int ended_ = 0;               // the digit that went off last
  uint64_t ended_block_ = 0;    // ... in this 102-sample block
  std::string* out_ = nullptr;  // Feed's output while it runs
};

}  // namespace pbx
