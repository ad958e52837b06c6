// JPEG through libjpeg(-turbo): 8-bit baseline and progressive, grey or YCbCr. Asking for one
// channel takes libjpeg's luma directly (no chroma upsampling or colour conversion at all).
#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>
#include <jerror.h>

#include "image.h"

namespace {
struct ErrorManager {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr cinfo) {
  auto* manager = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, manager->message);
  longjmp(manager->jump, 1);
}

// A truncated file is only a warning to libjpeg (it pads with grey): make it an error, so a damaged
// file is reported. Other warnings (extraneous bytes between markers) leave the pixels intact and,
// as in PIL and libvips, pass.
void on_warning(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_error(cinfo);
}
}  // namespace

bool decode_jpeg(const uint8_t* bytes, size_t length, int channels, Image& out, std::string& error) {
  jpeg_decompress_struct cinfo;
  ErrorManager manager;
  cinfo.err = jpeg_std_error(&manager.pub);
  manager.pub.error_exit = on_error;
  manager.pub.emit_message = on_warning;
  // Everything the jump may skip is declared before setjmp: no destructor is bypassed.
  std::vector<uint8_t>* data = &out.data;
  if (setjmp(manager.jump)) {
    jpeg_destroy_decompress(&cinfo);
    error = manager.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes, static_cast<unsigned long>(length));
  jpeg_read_header(&cinfo, TRUE);
  const bool colour = cinfo.num_components >= 3;
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    jpeg_destroy_decompress(&cinfo);
    error = "CMYK JPEG";
    return false;
  }
  out.channels = (channels == 1 || !colour) ? 1 : 3;
  cinfo.out_color_space = out.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  out.width = static_cast<int>(cinfo.output_width);
  out.height = static_cast<int>(cinfo.output_height);
  out.depth = 8;
  const size_t row = static_cast<size_t>(out.width) * out.channels;
  data->resize(row * out.height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW line = data->data() + row * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &line, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}
