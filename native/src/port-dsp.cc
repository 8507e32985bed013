#include "port-dsp.h"

#include <spandsp.h>

namespace pbx {

namespace {

/** spandsp's DTMF receiver works on blocks of this many samples (12.75 ms, its dtmf.c). */
constexpr int kDtmfBlock = 102;

/**
 * A press whose tone comes back this few blocks after spandsp called it ended is the same press:
 * spandsp ends a digit on the second block that misses it and restarts it on the second that
 * hits, so a break spoiling at most two blocks (a 10 ms interruption, which Q.24 says must not
 * make a second digit) shows as exactly two blocks, while a 40 ms pause spoils at least three.
 * Asterisk's own detector bridges the same way (two missed blocks never end a digit).
 */
constexpr uint64_t kBridgeBlocks = 2;

void OnTone(void* user, int code, int /*level*/, int /*delay*/) { static_cast<PortDtmfDetector*>(user)->OnToneChange(code); }

}  // namespace

PortDtmfDetector::PortDtmfDetector() {
  rx_ = dtmf_rx_init(nullptr, nullptr, nullptr);
  if (rx_ == nullptr) return;
  // No dial-tone notch: an FXS port hears the phone, not an exchange's dial tone. The level
  // threshold stays spandsp's own (about -42 dBm0 per tone, well below Q.24's -25 dBm0).
  dtmf_rx_parms(rx_, 0, kDtmfNormalTwistDb, kDtmfReverseTwistDb, -99);
  dtmf_rx_set_realtime_callback(rx_, &OnTone, this);
}

PortDtmfDetector::~PortDtmfDetector() {
  if (rx_) dtmf_rx_free(rx_);
}

void PortDtmfDetector::Feed(const int16_t* samples, int n, std::string* digits) {
  if (rx_ == nullptr) return;
  out_ = digits;
  // Fed in pieces that end on spandsp's block boundaries, so a report is known to belong to the
  // block that ends the piece (fed_ / kDtmfBlock counts the blocks completed).
  while (n > 0) {
    int to_boundary = kDtmfBlock - static_cast<int>(fed_ % kDtmfBlock);
    int k = n < to_boundary ? n : to_boundary;
    fed_ += static_cast<uint64_t>(k);
    dtmf_rx(rx_, samples, k);
    samples += k;
    n -= k;
  }
  out_ = nullptr;
}

void PortDtmfDetector::OnToneChange(int code) {
  uint64_t block = fed_ / kDtmfBlock;
  if (code == 0) {
    ended_ = sounding_;
    ended_block_ = block;
    sounding_ = 0;
    return;
  }
  bool bridged = sounding_ == 0 && code == ended_ && block - ended_block_ <= kBridgeBlocks;
  sounding_ = code;
  ended_ = 0;
  if (!bridged && out_) out_->push_back(static_cast<char>(code));
}

}  // namespace pbx
