// Proof that spandsp is linked and working: generate DTMF with its tone generator and decode
// the samples with its receiver. The line engine's real DSP paths come with the analog slice.
#pragma once

#include <string>

namespace pbx {

/** The release stamp of the spandsp headers the addon was built with. */
const char* SpandspRelease();

/**
 * Generates `digits` as DTMF audio (8 kHz linear, spandsp's default level and timing) and runs
 * the audio through a DTMF receiver; returns the digits it detected. Digits outside 0-9 * # A-D
 * are left out by the generator, as spandsp does.
 */
std::string DtmfRoundTrip(const std::string& digits);

}  // namespace pbx
