{
  # The PBX native addon: the media clock and the analog line engine (sim backend; dahdi next).
  # Built by scripts/build-native.mjs (npm's install script) against the local Node headers.
  "targets": [
    {
      "target_name": "pbx_native",
      "sources": [
        "src/addon.cc",
        "src/clock-core.cc",
        "src/clock-wrap.cc",
        "src/dsp-smoke.cc",
        "src/tones.cc",
        "src/caller-id.cc",
        "src/sim-backend.cc",
        "src/line-engine.cc",
        "src/line-wrap.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I spandsp | sed 's/-I//g')"
      ],
      "defines": [
        # Node-API is ABI-stable: version 8 exists in every Node we support (18.19+), so one
        # build per architecture serves them all.
        "NAPI_VERSION=8",
        # No C++ exceptions anywhere: a throw can never cross the clock thread or a Node-API
        # boundary; errors become pending JS exceptions instead.
        "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS",
        # A JS exception that cannot be thrown (a worker terminating) is dropped, not fatal.
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "_GNU_SOURCE"
      ],
      "cflags!": ["-fexceptions"],
      "cflags_cc!": ["-fexceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-fvisibility=hidden", "-Wall", "-Wextra", "-O2"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-fvisibility=hidden", "-fvisibility-inlines-hidden"],
      "libraries": ["<!@(pkg-config --libs spandsp)", "-lpthread"]
    }
  ]
}
