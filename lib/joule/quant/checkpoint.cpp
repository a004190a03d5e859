#include "joule/quant/checkpoint.h"

#include "joule/core/check.h"
#include "joule/io/hdf5_util.h"

namespace joule::quant {

namespace {

constexpr const char* kFormat = "joule-quantized";
constexpr int64_t kVersion = 1;

std::vector<int64_t> dims_of(const Shape& s) { return s.dims(); }

void write_params(hid_t obj, const std::string& prefix, QParams p) {
  io::h5::write_attr_double(obj, prefix + "scale", p.scale);
  io::h5::write_attr_int(obj, prefix + "zero_point", p.zero_point);
}

QParams read_params(hid_t obj, const std::string& prefix) {
  return {static_cast<float>(io::h5::read_attr_double(obj, prefix + "scale")),
          static_cast<int32_t>(io::h5::read_attr_int(obj, prefix + "zero_point"))};
}

// weight (int8, stored shape), weight_scale (float32), weight_zero_point (int32 zeros), bias
void write_weight(hid_t g, const QWeight& w, const Shape& stored, const std::vector<float>& bias) {
  io::h5::write_array(g, "weight", H5T_STD_I8LE, H5T_NATIVE_INT8, dims_of(stored), w.data.data());
  const int64_t O = static_cast<int64_t>(w.scales.size());
  io::h5::write_array(g, "weight_scale", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {O}, w.scales.data());
  const std::vector<int32_t> zeros(w.scales.size(), 0);
  io::h5::write_array(g, "weight_zero_point", H5T_STD_I32LE, H5T_NATIVE_INT32, {O}, zeros.data());
  if (!bias.empty())
    io::h5::write_array(g, "bias", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {O}, bias.data());
}

// The weight of layer group g, whose stored shape must be `expect_dims` long; `shape` is the
// float weight's shape that QWeight records (stored = as is for Linear, (OC, KH, KW, C) for conv).
QWeight read_weight(hid_t g, const std::string& where, bool conv, std::vector<float>& bias) {
  io::h5::Dataset d = io::h5::open_dataset(g, "weight");
  const io::h5::ArrayInfo info = io::h5::array_info(d);
  JOULE_CHECK(info.is_integer() && info.type_size == 1 && info.is_signed &&
                  info.dims.size() == (conv ? 4u : 2u),
              "load_quantized: ", where, "/weight must be int8 ",
              conv ? "(OC, KH, KW, C)" : "(OUT, IN)", ", got ", info.str());
  QWeight w;
  const auto& s = info.dims;
  w.shape = conv ? Shape{s[0], s[3], s[1], s[2]} : Shape{s[0], s[1]};
  w.data.resize(static_cast<size_t>(info.numel()));
  io::h5::read_array(d, H5T_NATIVE_INT8, w.data.data());
  io::h5::Dataset ds = io::h5::open_dataset(g, "weight_scale");
  JOULE_CHECK(io::h5::array_info(ds).numel() == s[0], "load_quantized: ", where,
              "/weight_scale must hold ", s[0], " scales, got ", io::h5::array_info(ds).str());
  w.scales.resize(static_cast<size_t>(s[0]));
  io::h5::read_array(ds, H5T_NATIVE_FLOAT, w.scales.data());
  if (io::h5::has_link(g, "weight_zero_point")) {
    std::vector<int32_t> zp(static_cast<size_t>(s[0]));
    io::h5::read_array(io::h5::open_dataset(g, "weight_zero_point"), H5T_NATIVE_INT32, zp.data());
    for (int32_t z : zp)
      JOULE_CHECK(z == 0, "load_quantized: ", where, "/weight_zero_point holds ", z,
                  "; int8 weights are symmetric (zero points 0)");
  }
  if (io::h5::has_link(g, "bias")) {
    io::h5::Dataset b = io::h5::open_dataset(g, "bias");
    JOULE_CHECK(io::h5::array_info(b).numel() == s[0], "load_quantized: ", where,
                "/bias must hold ", s[0], " values, got ", io::h5::array_info(b).str());
    bias.resize(static_cast<size_t>(s[0]));
    io::h5::read_array(b, H5T_NATIVE_FLOAT, bias.data());
  }
  return w;
}

std::vector<int64_t> size2(Size2 s) { return {s.h, s.w}; }

Size2 read_size2(hid_t g, const std::string& name, const std::string& where) {
  const std::vector<int64_t> v = io::h5::read_attr_ints(g, name);
  JOULE_CHECK(v.size() == 2, "load_quantized: ", where, " attribute ", name, " must hold 2 ",
              "values (h, w), got ", v.size());
  return Size2(v[0], v[1]);
}

}  // namespace

void save_quantized(const std::string& path, const QuantizedModel& model) {
  io::h5::Quiet quiet;
  io::h5::write_file_atomically(path, [&](hid_t root) {
    io::h5::write_attr_string(root, "format", kFormat);
    io::h5::write_attr_int(root, "version", kVersion);
    write_params(root, "input_", model.input_params());
    io::h5::Group layers = io::h5::create_group(root, "layers");
    const auto& all = model.layers();
    for (size_t i = 0; i < all.size(); ++i) {
      io::h5::Group g = io::h5::create_group(layers, std::to_string(i));
      io::h5::write_attr_string(g, "kind", all[i]->kind());
      if (auto* l = dynamic_cast<const QLinear*>(all[i].get())) {
        write_weight(g, l->weight(), l->weight().shape, l->bias());
        write_params(g, "out_", l->out_params());
        io::h5::write_attr_int(g, "relu", l->relu() ? 1 : 0);
      } else if (auto* c = dynamic_cast<const QConv2d*>(all[i].get())) {
        const Shape& s = c->weight().shape;  // stored NHWC: (OC, KH, KW, C)
        write_weight(g, c->weight(), Shape{s[0], s[2], s[3], s[1]}, c->bias());
        write_params(g, "out_", c->out_params());
        io::h5::write_attr_int(g, "relu", c->relu() ? 1 : 0);
        io::h5::write_attr_ints(g, "stride", size2(c->params().stride));
        io::h5::write_attr_ints(g, "padding", size2(c->params().padding));
        io::h5::write_attr_ints(g, "dilation", size2(c->params().dilation));
      } else if (auto* p = dynamic_cast<const QMaxPool2d*>(all[i].get())) {
        io::h5::write_attr_ints(g, "kernel", size2(p->kernel()));
        io::h5::write_attr_ints(g, "stride", size2(p->stride()));
        io::h5::write_attr_ints(g, "padding", size2(p->padding()));
      } else if (auto* u = dynamic_cast<const QUnflatten*>(all[i].get())) {
        io::h5::write_attr_ints(g, "chw", u->chw().dims());
      }
    }
  });
}

std::shared_ptr<QuantizedModel> load_quantized(const std::string& path) {
  io::h5::Quiet quiet;
  io::h5::File file = io::h5::open_file_readonly(path, "load_quantized");
  io::h5::Group root = io::h5::open_root(file);
  JOULE_CHECK(io::h5::has_attr(root, "format") &&
                  io::h5::read_attr_string(root, "format") == kFormat,
              "load_quantized: ", path, " is not a quantized Joule model (no format = \"", kFormat,
              "\"); float checkpoints load with io::load_checkpoint");
  const int64_t version = io::h5::read_attr_int(root, "version");
  JOULE_CHECK(version == kVersion, "load_quantized: ", path, " has version ", version,
              "; this build reads version ", kVersion);
  auto model = std::make_shared<QuantizedModel>(read_params(root, "input_"));
  io::h5::Group layers = io::h5::open_group(root, "layers");
  const std::vector<std::string> names = io::h5::link_names(layers);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string name = std::to_string(i), where = path + ":/layers/" + name;
    JOULE_CHECK(io::h5::has_link(layers, name), "load_quantized: ", path, " has no /layers/",
                name, " (layers are numbered 0..", names.size() - 1, ")");
    io::h5::Group g = io::h5::open_group(layers, name);
    const std::string kind = io::h5::read_attr_string(g, "kind");
    std::vector<float> bias;
    if (kind == "Linear") {
      QWeight w = read_weight(g, where, false, bias);
      model->push_back(std::make_shared<QLinear>(std::move(w), bias, read_params(g, "out_"),
                                                 io::h5::read_attr_int(g, "relu") != 0));
    } else if (kind == "Conv2d") {
      QWeight w = read_weight(g, where, true, bias);
      Conv2dParams p{read_size2(g, "stride", where), read_size2(g, "padding", where),
                     read_size2(g, "dilation", where), 1};
      model->push_back(std::make_shared<QConv2d>(std::move(w), bias, p, read_params(g, "out_"),
                                                 io::h5::read_attr_int(g, "relu") != 0));
    } else if (kind == "MaxPool2d") {
      model->push_back(std::make_shared<QMaxPool2d>(read_size2(g, "kernel", where),
                                                    read_size2(g, "stride", where),
                                                    read_size2(g, "padding", where)));
    } else if (kind == "ReLU") {
      model->push_back(std::make_shared<QReLU>());
    } else if (kind == "Flatten") {
      model->push_back(std::make_shared<QFlatten>());
    } else if (kind == "Unflatten") {
      model->push_back(std::make_shared<QUnflatten>(Shape(io::h5::read_attr_ints(g, "chw"))));
    } else {
      JOULE_CHECK(false, "load_quantized: ", where, " has kind '", kind, "'; known: Linear, ",
                  "Conv2d, MaxPool2d, ReLU, Flatten, Unflatten");
    }
  }
  return model;
}

}  // namespace joule::quant
