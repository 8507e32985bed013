#include "caller-id.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spandsp.h>

namespace pbx {

namespace {

int AdsiStandard(CidStandard s) {
  switch (s) {
    case CidStandard::kBell202:
      return ADSI_STANDARD_CLASS;
    case CidStandard::kV23:
      return ADSI_STANDARD_CLIP;
    case CidStandard::kDtmf:
      return ADSI_STANDARD_CLIP_DTMF;
    default:
      return ADSI_STANDARD_NONE;
  }
}

void PutMessage(void* user, const uint8_t* msg, int len) { static_cast<CidReceiver*>(user)->OnMessage(msg, len); }

constexpr int kBellDelayMs = 500;   // spill starts this long into the first long pause
constexpr int kPreSpillGapMs = 300; // silence between a pre-ring spill and the first ring
constexpr int kCidRxGainQ8 = 455;    // +5 dB (10^(5/20) = 1.778) in Q8, chan_dahdi's default cid_rxgain

}  // namespace

CidSender::~CidSender() {
  if (tx_) adsi_tx_free(tx_);
}

bool CidSender::Start(CidStandard standard, const std::string& number, const std::string& name, CidAbsence absence,
                      bool offhook) {
  active_ = false;
  if (tx_) {
    adsi_tx_free(tx_);
    tx_ = nullptr;
  }
  int std_id = AdsiStandard(standard);
  if (std_id == ADSI_STANDARD_NONE) return false;
  tx_ = adsi_tx_init(nullptr, std_id);
  if (tx_ == nullptr) return false;
  if (offhook && standard != CidStandard::kDtmf) adsi_tx_set_preamble(tx_, 0, 80, -1, -1);
  uint8_t msg[256];
  int len;
  bool absent = absence != CidAbsence::kNone;
  std::string num = absent ? "" : number.substr(0, 20);
  std::string nam = name.substr(0, 15);
  // The reason-for-absence value: FSK 'P' private / 'O' out of area; DTMF "10" / "00".
  const char* reason = absence == CidAbsence::kWithheld ? "P" : "O";
  const char* dtmf_reason = absence == CidAbsence::kWithheld ? "10" : "00";
  if (standard == CidStandard::kDtmf) {
    // spandsp's first call sets the terminator ('C'); each field goes in front of it.
    len = adsi_add_field(tx_, msg, -1, CLIP_DTMF_C_TERMINATED, nullptr, 0);
    if (absent)
      len = adsi_add_field(tx_, msg, len, CLIP_DTMF_C_ABSENCE, reinterpret_cast<const uint8_t*>(dtmf_reason), 2);
    else
      len = adsi_add_field(tx_, msg, len, CLIP_DTMF_C_CALLER_NUMBER, reinterpret_cast<const uint8_t*>(num.data()),
                           static_cast<int>(num.size()));
  } else {
    bool bell = standard == CidStandard::kBell202;
    char stamp[16];
    time_t now = time(nullptr);
    struct tm tm_now;
    localtime_r(&now, &tm_now);
    strftime(stamp, sizeof stamp, "%m%d%H%M", &tm_now);
    len = adsi_add_field(tx_, msg, -1, static_cast<uint8_t>(bell ? int{CLASS_MDMF_CALLERID} : int{CLIP_MDMF_CALLERID}), nullptr, 0);
    len = adsi_add_field(tx_, msg, len, static_cast<uint8_t>(bell ? int{MCLASS_DATETIME} : int{CLIP_DATETIME}), reinterpret_cast<const uint8_t*>(stamp), 8);
    if (!num.empty())
      len = adsi_add_field(tx_, msg, len, static_cast<uint8_t>(bell ? int{MCLASS_CALLER_NUMBER} : int{CLIP_CALLER_NUMBER}),
                           reinterpret_cast<const uint8_t*>(num.data()), static_cast<int>(num.size()));
    if (absent)
      len = adsi_add_field(tx_, msg, len, static_cast<uint8_t>(bell ? int{MCLASS_ABSENCE1} : int{CLIP_ABSENCE1}),
                           reinterpret_cast<const uint8_t*>(reason), 1);
    if (!nam.empty())
      len = adsi_add_field(tx_, msg, len, static_cast<uint8_t>(bell ? int{MCLASS_CALLER_NAME} : int{CLIP_CALLER_NAME}),
                           reinterpret_cast<const uint8_t*>(nam.data()), static_cast<int>(nam.size()));
    else if (absent)  // a withheld caller's name is withheld too (Asterisk's callerid_genmsg sends both)
      len = adsi_add_field(tx_, msg, len, static_cast<uint8_t>(bell ? int{MCLASS_ABSENCE2} : int{CLIP_ABSENCE2}),
                           reinterpret_cast<const uint8_t*>(reason), 1);
  }
  if (adsi_tx_put_message(tx_, msg, len) <= 0) return false;
  active_ = true;
  return true;
}

bool CidSender::StartVmwi(CidStandard standard, bool on) {
  active_ = false;
  if (standard != CidStandard::kBell202 && standard != CidStandard::kV23) return false;
  if (tx_) {
    adsi_tx_free(tx_);
    tx_ = nullptr;
  }
  tx_ = adsi_tx_init(nullptr, AdsiStandard(standard));
  if (!tx_) return false;
  bool bell = standard == CidStandard::kBell202;
  uint8_t msg[16];
  const uint8_t indicator = on ? 0xFF : 0x00;
  int len = adsi_add_field(tx_, msg, -1, static_cast<uint8_t>(bell ? int{CLASS_MDMF_MSG_WAITING} : int{CLIP_MDMF_MSG_WAITING}), nullptr, 0);
  len = adsi_add_field(tx_, msg, len, static_cast<uint8_t>(bell ? int{MCLASS_VISUAL_INDICATOR} : int{CLIP_VISUAL_INDICATOR}), &indicator, 1);
  if (adsi_tx_put_message(tx_, msg, len) <= 0) return false;
  active_ = true;
  return true;
}

void CidSender::Fill(int16_t* out, int n) {
  int got = active_ ? adsi_tx(tx_, out, n) : 0;
  if (got < n) {
    memset(out + got, 0, sizeof(int16_t) * static_cast<size_t>(n - got));
    active_ = false;
  }
}

CidReceiver::~CidReceiver() {
  if (rx_) adsi_rx_free(rx_);
}

void CidReceiver::Init(CidStandard standard) {
  if (rx_) adsi_rx_free(rx_);
  rx_ = nullptr;
  standard_ = standard;
  have_ = false;
  int std_id = AdsiStandard(standard);
  if (std_id != ADSI_STANDARD_NONE) rx_ = adsi_rx_init(nullptr, std_id, &PutMessage, this);
}

void CidReceiver::Feed(const int16_t* block, int n) {
  if (!rx_) return;
  if (standard_ == CidStandard::kDtmf) {
    adsi_rx(rx_, block, n);
    return;
  }
  // FSK spills are received with extra gain, as chan_dahdi's cid_rxgain (+5 dB) does: spandsp's
  // FSK receiver drops carriers below about -30 dBm0, and a spill sent at -13.5 dBm0 may arrive
  // there after a long loop. Saturating, so a loud spill clips instead of wrapping.
  int16_t boosted[kBlockSamples];
  while (n > 0) {
    int k = n < kBlockSamples ? n : kBlockSamples;
    for (int i = 0; i < k; i++) {
      int v = (static_cast<int>(block[i]) * kCidRxGainQ8) >> 8;
      boosted[i] = static_cast<int16_t>(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    adsi_rx(rx_, boosted, k);
    block += k;
    n -= k;
  }
}

void CidReceiver::OnMessage(const uint8_t* msg, int len) {
  if (len <= 0) return;  // negative lengths are status reports (carrier up/down)
  std::string number, name, datetime, diverting;
  CidAbsence number_absent = CidAbsence::kNone, name_absent = CidAbsence::kNone;
  // 'P' private (withheld), 'O' out of area (unavailable): MDMF absence values and SDMF numbers.
  auto reason = [](const std::string& v) {
    return v == "P" ? CidAbsence::kWithheld : v == "O" ? CidAbsence::kUnavailable : CidAbsence::kNone;
  };
  uint8_t type;
  const uint8_t* body;
  int field_len;
  int pos = -1;
  bool callerid = false;
  bool waiting = false;  // an MDMF message-waiting message (VMWI), not a caller ID
  bool sdmf = false;
  bool hash_terminated = false;
  while ((pos = adsi_next_field(rx_, msg, len, pos, &type, &body, &field_len)) > 0) {
    if (body == nullptr) {
      // The message type comes first (DTMF: the terminator, '#' or 'C').
      callerid = standard_ == CidStandard::kDtmf || type == CLASS_MDMF_CALLERID || type == CLASS_SDMF_CALLERID ||
                 type == CLIP_MDMF_CALLERID;
      sdmf = standard_ == CidStandard::kBell202 && type == CLASS_SDMF_CALLERID;
      hash_terminated = standard_ == CidStandard::kDtmf && type == CLIP_DTMF_HASH_TERMINATED;
      waiting = standard_ != CidStandard::kDtmf && (type == CLASS_MDMF_MSG_WAITING || type == CLIP_MDMF_MSG_WAITING);
      continue;
    }
    if (waiting) {
      // Parameter 0x0B (visual indicator): 0xFF lamp on, 0x00 lamp off.
      if (type == MCLASS_VISUAL_INDICATOR && field_len >= 1) vmwi_ = body[0] != 0 ? 1 : 0;
      continue;
    }
    std::string value(reinterpret_cast<const char*>(body), static_cast<size_t>(field_len > 0 ? field_len : 0));
    if (standard_ == CidStandard::kDtmf) {
      if (type == CLIP_DTMF_C_CALLER_NUMBER || type == CLIP_DTMF_HASH_UNSPECIFIED) number = value;
      if (type == CLIP_DTMF_C_REDIRECT_NUMBER) diverting = value;
      // 'B' information codes (Asterisk's callerid_get_dtmf reads them as a number: 0
      // unavailable, 10 withheld; anything else is no reason it knows).
      if (type == CLIP_DTMF_C_ABSENCE && !hash_terminated) {
        int code = atoi(value.c_str());
        number_absent = code == 0 ? CidAbsence::kUnavailable : code == 10 ? CidAbsence::kWithheld : CidAbsence::kNone;
      }
    } else if (sdmf) {
      // Bell SDMF: one body of 8 date/time characters (MMDDHHMM), then the number ('O' out of
      // area, 'P' private).
      datetime = value.substr(0, 8);
      number = value.size() > 8 ? value.substr(8) : "";
      number_absent = reason(number);
      if (number_absent != CidAbsence::kNone) number.clear();
    } else if (standard_ == CidStandard::kBell202) {
      if (type == MCLASS_CALLER_NUMBER) number = value;
      if (type == MCLASS_CALLER_NAME) name = value;
      if (type == MCLASS_DATETIME) datetime = value;
      if (type == MCLASS_ABSENCE1) number_absent = reason(value);
      if (type == MCLASS_ABSENCE2) name_absent = reason(value);
    } else {
      if (type == CLIP_CALLER_NUMBER) number = value;
      if (type == CLIP_CALLER_NAME) name = value;
      if (type == CLIP_DATETIME) datetime = value;
      if (type == CLIP_ABSENCE1) number_absent = reason(value);
      if (type == CLIP_ABSENCE2) name_absent = reason(value);
    }
  }
  if (!callerid) return;
  // Danish exchanges start the number with 'D' instead of 'A' ("D<number>C"); Asterisk's
  // callerid_get_dtmf takes either as the caller's number. "D<n>#" with one digit is instead the
  // Danish absence code (1 private, 2/3 unavailable): no number.
  bool danish_absence = hash_terminated && diverting.size() == 1;
  if (number.empty() && !diverting.empty() && !danish_absence) number = diverting;
  if (danish_absence && number.empty())
    number_absent = diverting == "1" ? CidAbsence::kWithheld
                    : diverting == "2" || diverting == "3" ? CidAbsence::kUnavailable
                                                           : CidAbsence::kNone;
  // The reason is the number's; a spill giving only the name's reason (and no number) has the
  // caller's identity withheld or unavailable all the same.
  CidAbsence absence = number.empty() ? (number_absent != CidAbsence::kNone ? number_absent : name_absent)
                                      : CidAbsence::kNone;
  absence_ = absence;
  number_ = number;
  name_ = name;
  datetime_ = datetime;
  have_ = true;
}

bool CidReceiver::Take(std::string* number, std::string* name) {
  if (!have_) return false;
  have_ = false;
  *number = number_;
  *name = name_;
  taken_datetime_ = datetime_;
  taken_absence_ = absence_;
  return true;
}

void Ringer::Start(const CountryConfig* country, CidStandard standard, const std::string& number,
                   const std::string& name, bool with_cid) {
  country_ = country;
  standard_ = standard;
  number_ = number;
  name_ = name;
  absence_ = CidAbsence::kNone;
  active_ = !country->ring_cadence_ms.empty();
  part_ = 0;
  part_ms_ = 0;
  rings_ = 0;
  pause_ms_ = 0;
  bool cid = with_cid && standard_ != CidStandard::kNone && (!number.empty() || !name.empty());
  pre_spill_ = cid && standard_ != CidStandard::kBell202;
  spill_pending_ = cid && standard_ == CidStandard::kBell202;
}

bool Ringer::Step(bool* ring_on, bool* polarity, int16_t* audio) {
  *ring_on = false;
  *polarity = false;
  if (!active_) return false;
  if (pre_spill_) {
    if (!cid_.active() && pause_ms_ == 0) {
      cid_.Start(standard_, number_, name_, absence_);
      *polarity = standard_ == CidStandard::kV23;
      pause_ms_ = 1;
    }
    if (cid_.active()) {
      cid_.Fill(audio, kBlockSamples);
      return true;
    }
    if ((pause_ms_ += kBlockMs) < kPreSpillGapMs) return false;
    pre_spill_ = false;
    pause_ms_ = 0;
  }
  const std::vector<int>& cadence = country_->ring_cadence_ms;
  bool on = part_ % 2 == 0;
  if (on && part_ms_ == 0) rings_++;
  *ring_on = on;
  bool wrote = false;
  if (!on && spill_pending_ && rings_ >= 1 && cadence[part_] >= 1500 && part_ms_ >= kBellDelayMs) {
    cid_.Start(standard_, number_, name_, absence_);
    spill_pending_ = false;
  }
  if (cid_.active()) {
    cid_.Fill(audio, kBlockSamples);
    wrote = true;
  }
  part_ms_ += kBlockMs;
  if (part_ms_ >= cadence[part_]) {
    part_ms_ = 0;
    part_ = (part_ + 1) % cadence.size();
  }
  return wrote;
}

}  // namespace pbx
