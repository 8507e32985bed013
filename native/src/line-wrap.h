// The JS face of the line engine: `createLineEngine(options)` -> object with start(onEvent), stop(),
// readAudio/writeAudio (batched Int16Array transfers), ring/setHook/dial/playTone (PBX-side control),
// sim(command), simShow() and stats(). Events wait in a native per-class queue (event-queue.h:
// hook changes coalesce, state-bearing events are kept) and ONE thread-safe function only wakes
// JS with non-blocking calls, so the engine thread never waits for JS and no caller ID is lost.
#pragma once

#include <napi.h>

#include <memory>
#include <set>

namespace pbx {

class LineState;

/** Every line engine of one Node environment, stopped when it tears down. */
struct LineRegistry {
  std::set<LineState*> engines;
  void StopAll();
};

class LineWrap : public Napi::ObjectWrap<LineWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit LineWrap(const Napi::CallbackInfo& info);
  ~LineWrap() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value ReadAudio(const Napi::CallbackInfo& info);
  Napi::Value WriteAudio(const Napi::CallbackInfo& info);
  Napi::Value Ring(const Napi::CallbackInfo& info);
  Napi::Value SetHook(const Napi::CallbackInfo& info);
  Napi::Value Disconnect(const Napi::CallbackInfo& info);
  Napi::Value Dial(const Napi::CallbackInfo& info);
  Napi::Value PlayTone(const Napi::CallbackInfo& info);
  Napi::Value SetMessageWaiting(const Napi::CallbackInfo& info);
  Napi::Value CallWaiting(const Napi::CallbackInfo& info);
  Napi::Value Sim(const Napi::CallbackInfo& info);
  Napi::Value SimShow(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Warnings(const Napi::CallbackInfo& info);
  bool PortArg(const Napi::CallbackInfo& info, const char* what, size_t* index);

  std::shared_ptr<LineState> state_;
  size_t queue_size_ = 64;  // eventQueueSize: digits kept per port while JS is behind
  bool self_ref_ = false;
};

}  // namespace pbx
