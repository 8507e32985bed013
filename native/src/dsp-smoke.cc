#include "dsp-smoke.h"

#include <stdint.h>
#include <string.h>

#include <spandsp.h>
#include <spandsp/version.h>

namespace pbx {

namespace {

constexpr int kBlock = 160;  // one 20 ms frame at 8 kHz

void CollectDigits(void* user, const char* digits, int len) {
  static_cast<std::string*>(user)->append(digits, static_cast<size_t>(len));
}

}  // namespace

const char* SpandspRelease() { return SPANDSP_RELEASE_DATETIME_STRING; }

std::string DtmfRoundTrip(const std::string& digits) {
  std::string detected;
  dtmf_tx_state_t* tx = dtmf_tx_init(nullptr);
  dtmf_rx_state_t* rx = dtmf_rx_init(nullptr, &CollectDigits, &detected);
  if (tx == nullptr || rx == nullptr) {
    if (tx) dtmf_tx_free(tx);
    if (rx) dtmf_rx_free(rx);
    return detected;
  }
  int16_t amp[kBlock];
  // spandsp 0.0.6 queues all of the digits or none, and returns how many did not fit (0 when
  // all were queued); its buffer holds 128 digits and callers pass at most 64.
  if (dtmf_tx_put(tx, digits.c_str(), static_cast<int>(digits.size())) != 0) {
    dtmf_tx_free(tx);
    dtmf_rx_free(rx);
    return detected;
  }
  int n;
  while ((n = dtmf_tx(tx, amp, kBlock)) > 0) dtmf_rx(rx, amp, n);
  // Trailing silence lets the receiver confirm the end of the last digit.
  memset(amp, 0, sizeof amp);
  for (int i = 0; i < 10; i++) dtmf_rx(rx, amp, kBlock);
  dtmf_tx_free(tx);
  dtmf_rx_free(rx);
  return detected;
}

}  // namespace pbx
