// Reading the tone table and caller-ID standard names that JS hands to the addon (createLineEngine
// and dspDetect take the same shapes), so both read them one way.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "port-backend.h"
#include "tones.h"

namespace pbx {

/**
 * [{name, parts: [{f1, f2, ms}]}] (at most 16 tones of 32 parts) into `out`; false with a
 * pending JS exception (messages prefixed with `who`, e.g. "createLineEngine: ") when malformed.
 */
// A tone named "callwaiting" is never a call-progress tone to classify: it goes to *callwaiting
// when given, and is dropped otherwise.
bool ReadToneTable(Napi::Env env, Napi::Value v, const std::string& who, std::vector<ToneDef>* out,
                   ToneDef* callwaiting = nullptr);

/** "bell202" | "v23" | "dtmf" | "none" -> the standard; false for anything else. */
bool ParseCidStandard(const std::string& name, CidStandard* out);

}  // namespace pbx
