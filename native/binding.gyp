{
  "targets": [
    {
      "target_name": "medpipe_native",
      "sources": [
        "src/addon.cc",
        "src/conv.cc",
        "src/gemm.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/pool.cc",
        "src/gather.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node detect.mjs include_dirs)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "<!@(node detect.mjs defines)"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-fopenmp", "-std=c++17", "-fno-math-errno"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl", "<!@(node detect.mjs libraries)"]
    }
  ]
}
