// 2-D convolutions (forward, backward data, backward filter) on oneDNN, over tfjs' NHWC activations and
// HWIO filters. Activations stay in NHWC (oneDNN's brgconv/jit kernels run at full speed on it, measured
// faster than reordering to blocked layouts and back); only the small filters are reordered.
#include <dnnl.hpp>
#include <memory>
#include <unordered_map>
#include "common.h"

namespace mp {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& Eng() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}
dnnl::stream& Strm() {
  static dnnl::stream s(Eng());
  return s;
}

// Geometry handed over by src/backend/native-kernels/conv.ts (from tfjs' computeConv2DInfo).
struct Geom {
  int64_t n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;
  std::string Key() const {
    std::string k;
    for (int64_t v : {n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr}) k += std::to_string(v) + ",";
    return k;
  }
};

Geom ReadGeom(const Napi::Value& v) {
  auto p = Ints(v);
  if (p.size() != 17) throw Napi::Error::New(v.Env(), "conv geometry needs 17 numbers");
  Geom g{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16]};
  // oneDNN derives the output size as (in + padL + padR - extent) / stride + 1 (floor) and rejects negative
  // pads, so the bottom/right pad is the smallest non-negative one giving tfjs' output size; with tfjs' 'valid'
  // and a stride that does not divide evenly, the needed pad is negative and the floor drops the tail anyway.
  g.pb = std::max<int64_t>(0, (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.h - g.pt);
  g.pr = std::max<int64_t>(0, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.w - g.pl);
  return g;
}

struct Descs {
  memory::desc src, dst, wUser, wAny, bias;
  memory::dims strides, dil, padL, padR;
};

Descs MakeDescs(const Geom& g) {
  Descs d;
  d.src = memory::desc({g.n, g.c, g.h, g.w}, dt::f32, tag::nhwc);
  d.dst = memory::desc({g.n, g.oc, g.oh, g.ow}, dt::f32, tag::nhwc);
  d.wUser = memory::desc({g.oc, g.c, g.kh, g.kw}, dt::f32, tag::hwio);
  d.wAny = memory::desc({g.oc, g.c, g.kh, g.kw}, dt::f32, tag::any);
  d.bias = memory::desc({g.oc}, dt::f32, tag::a);
  d.strides = {g.sh, g.sw};
  d.dil = {g.dh - 1, g.dw - 1};
  d.padL = {g.pt, g.pl};
  d.padR = {g.pb, g.pr};
  return d;
}

dnnl::convolution_forward::primitive_desc FwdPd(const Geom& g, const Descs& d, bool bias, int act, float alpha,
                                                dnnl::prop_kind prop) {
  dnnl::convolution_forward::desc desc =
      bias ? dnnl::convolution_forward::desc(prop, dnnl::algorithm::convolution_direct, d.src, d.wAny, d.bias, d.dst,
                                             d.strides, d.dil, d.padL, d.padR)
           : dnnl::convolution_forward::desc(prop, dnnl::algorithm::convolution_direct, d.src, d.wAny, d.dst,
                                             d.strides, d.dil, d.padL, d.padR);
  dnnl::primitive_attr attr;
  if (act != kLinear) {
    dnnl::post_ops ops;
    switch (act) {
      case kRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); break;
      case kLeakyRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, alpha, 0.f); break;
      case kRelu6: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f); break;
      case kSigmoid: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f); break;
      case kElu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 1.f, 0.f); break;
      default: throw std::runtime_error("unknown activation code");
    }
    attr.set_post_ops(ops);
  }
  return dnnl::convolution_forward::primitive_desc(desc, attr, Eng());
}

// One cached primitive per geometry: creating a primitive descriptor costs far more than a small conv.
struct Entry {
  dnnl::primitive prim;
  memory::desc wDesc;   // the layout the primitive wants for (diff) weights
  memory wBuf;          // reordered filter / filter gradient in that layout, reused across calls
  std::string impl;
};
std::unordered_map<std::string, std::unique_ptr<Entry>> cache;

// Returns `user` itself when the primitive accepts the tfjs layout, else the cached reorder buffer.
memory& WeightsBuffer(Entry& e, const memory::desc& user) {
  if (!e.wBuf && e.wDesc != user) e.wBuf = memory(e.wDesc, Eng());
  return e.wBuf;
}

Entry& Forward(const Geom& g, bool bias, int act, float alpha) {
  std::string key = "f" + g.Key() + std::to_string(bias) + "," + std::to_string(act) + "," + std::to_string(alpha);
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  Descs d = MakeDescs(g);
  auto pd = FwdPd(g, d, bias, act, alpha, dnnl::prop_kind::forward_inference);
  auto e = std::make_unique<Entry>();
  e->prim = dnnl::convolution_forward(pd);
  e->wDesc = pd.weights_desc();
  e->impl = pd.impl_info_str();
  return *(cache[key] = std::move(e));
}

Entry& BackwardData(const Geom& g) {
  std::string key = "d" + g.Key();
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  Descs d = MakeDescs(g);
  auto hint = FwdPd(g, d, false, kLinear, 0.f, dnnl::prop_kind::forward_training);
  dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.src, d.wAny, d.dst, d.strides,
                                             d.dil, d.padL, d.padR);
  dnnl::convolution_backward_data::primitive_desc pd(desc, Eng(), hint);
  auto e = std::make_unique<Entry>();
  e->prim = dnnl::convolution_backward_data(pd);
  e->wDesc = pd.weights_desc();
  e->impl = pd.impl_info_str();
  return *(cache[key] = std::move(e));
}

Entry& BackwardWeights(const Geom& g) {
  std::string key = "w" + g.Key();
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  Descs d = MakeDescs(g);
  auto hint = FwdPd(g, d, false, kLinear, 0.f, dnnl::prop_kind::forward_training);
  dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.src, d.wAny, d.dst,
                                                d.strides, d.dil, d.padL, d.padR);
  dnnl::convolution_backward_weights::primitive_desc pd(desc, Eng(), hint);
  auto e = std::make_unique<Entry>();
  e->prim = dnnl::convolution_backward_weights(pd);
  e->wDesc = pd.diff_weights_desc();
  e->impl = pd.impl_info_str();
  return *(cache[key] = std::move(e));
}

template <typename Fn>
Napi::Value Guard(const Napi::CallbackInfo& info, Fn fn) {
  try {
    return fn();
  } catch (const dnnl::error& err) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + err.what());
  } catch (const std::exception& err) {
    throw Napi::Error::New(info.Env(), err.what());
  }
}

// conv2d(x, filter, out, geom, bias|null, act, alpha): out = act(conv(x, filter) + bias)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    float* x = F32(info[0], "x");
    float* w = F32(info[1], "filter");
    float* y = F32(info[2], "out");
    Geom g = ReadGeom(info[3]);
    float* b = F32OrNull(info[4], "bias");
    int act = static_cast<int>(Int(info[5]));
    float alpha = static_cast<float>(Num(info[6]));
    Entry& e = Forward(g, b != nullptr, act, alpha);
    Descs d = MakeDescs(g);
    memory xm(d.src, Eng(), x), ym(d.dst, Eng(), y), wm(d.wUser, Eng(), w);
    memory& wb = WeightsBuffer(e, d.wUser);
    if (wb) dnnl::reorder(wm, wb).execute(Strm(), wm, wb);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wb ? wb : wm}, {DNNL_ARG_DST, ym}};
    if (b) args.insert({DNNL_ARG_BIAS, memory(d.bias, Eng(), b)});
    e.prim.execute(Strm(), args);
    Strm().wait();
    return info.Env().Undefined();
  });
}

// conv2dBackpropInput(dy, filter, dx, geom): geometry is that of the forward conv whose input is dx.
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    float* dy = F32(info[0], "dy");
    float* w = F32(info[1], "filter");
    float* dx = F32(info[2], "out");
    Geom g = ReadGeom(info[3]);
    Entry& e = BackwardData(g);
    Descs d = MakeDescs(g);
    memory dym(d.dst, Eng(), dy), dxm(d.src, Eng(), dx), wm(d.wUser, Eng(), w);
    memory& wb = WeightsBuffer(e, d.wUser);
    if (wb) dnnl::reorder(wm, wb).execute(Strm(), wm, wb);
    e.prim.execute(Strm(), {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, wb ? wb : wm}, {DNNL_ARG_DIFF_SRC, dxm}});
    Strm().wait();
    return info.Env().Undefined();
  });
}

// conv2dBackpropFilter(x, dy, dw, geom)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    float* x = F32(info[0], "x");
    float* dy = F32(info[1], "dy");
    float* dw = F32(info[2], "out");
    Geom g = ReadGeom(info[3]);
    Entry& e = BackwardWeights(g);
    Descs d = MakeDescs(g);
    memory xm(d.src, Eng(), x), dym(d.dst, Eng(), dy), dwm(d.wUser, Eng(), dw);
    memory& wb = WeightsBuffer(e, d.wUser);
    e.prim.execute(Strm(), {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, wb ? wb : dwm}});
    if (wb) dnnl::reorder(wb, dwm).execute(Strm(), wb, dwm);
    Strm().wait();
    return info.Env().Undefined();
  });
}

// convImpl(kind, geom): which oneDNN implementation serves a geometry (for the bench and debugging).
Napi::Value ConvImpl(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    std::string kind = info[0].As<Napi::String>();
    Geom g = ReadGeom(info[1]);
    Entry& e = kind == "data" ? BackwardData(g) : kind == "filter" ? BackwardWeights(g) : Forward(g, false, 0, 0.f);
    return Napi::String::New(info.Env(), e.impl);
  });
}

}  // namespace

void RegisterConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("convImpl", Napi::Function::New(env, ConvImpl));
}

}  // namespace mp
