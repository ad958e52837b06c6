// cuDNN convolutions and cuBLAS matrix products (dnn.cc).
#pragma once
#include <string>
#include "device.h"

namespace mpc {

// tfjs' Conv2DInfo, NHWC activations and HWIO filters; pads must be symmetric (pt == bottom, pl == right).
struct ConvGeom {
  int n, h, w, c, fh, fw, k, oh, ow, sh, sw, dh, dw, pt, pl;
};
void Conv2d(const float* x, const float* w, float* y, const ConvGeom& g);
void Conv2dBackpropInput(const float* dy, const float* w, float* dx, const ConvGeom& g);
void Conv2dBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeom& g);

// Row-major batched C[batch, m, n] = op(A) op(B); a stride of 0 broadcasts one matrix over the batch.
struct MatMulGeom {
  int batch, m, n, k;
  bool transA, transB;
  long long strideA, strideB;
};
void MatMul(const float* a, const float* b, float* c, const MatMulGeom& g);

std::string DnnVersions();

}  // namespace mpc
