{
  "targets": [
    {
      "target_name": "medpipe_codec",
      "sources": ["src/addon.cc", "src/png.cc", "src/png_plain.cc", "src/jpeg.cc", "src/orientation.cc", "src/convert.cc", "src/resample.cc", "src/loader.cc", "src/stat_many.cc", "src/scan_tree.cc", "src/record.cc", "src/ingest_files.cc", "src/shard_body.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=off"],
      "libraries": ["-lspng", "-ljpeg", "-ldeflate"]
    }
  ]
}
