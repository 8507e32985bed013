{
  # PBX_DAHDI_INCLUDE (set by scripts/build-native.mjs): a folder holding dahdi/user.h (from
  # Debian's dahdi-dkms). Empty: the dahdi backend is built as a stub that says how to get it.
  "variables": {
    "dahdi_include%": "<!(node -p \"process.env.PBX_DAHDI_INCLUDE || ''\")"
  },
  # The PBX native addon: the media clock and the analog line engine (sim and dahdi backends).
  # Built by scripts/build-native.mjs (npm's install script) against the local Node headers.
  "targets": [
    {
      "target_name": "pbx_native",
      "sources": [
        "src/addon.cc",
        "src/clock-core.cc",
        "src/clock-wrap.cc",
        "src/dsp-smoke.cc",
        "src/dsp-probe.cc",
        "src/port-dsp.cc",
        "src/tones.cc",
        "src/caller-id.cc",
        "src/sim-backend.cc",
        "src/dahdi-backend.cc",
        "src/event-queue.cc",
        "src/line-engine.cc",
        "src/line-wrap.cc",
        "src/js-tones.cc"
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
      "libraries": ["<!@(pkg-config --libs spandsp)", "-lpthread"],
      "conditions": [
        ["dahdi_include!=''", {
          "include_dirs": ["<(dahdi_include)"],
          "defines": ["PBX_HAVE_DAHDI"],
          "libraries": ["-ldl"]
        }]
      ]
    }
  ]
}
