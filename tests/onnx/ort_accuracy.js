#!/usr/bin/env node
// Runs an ONNX file exported by Joule in ONNX Runtime (npm onnxruntime-node, CPU) on the 10,000
// Fashion-MNIST test images and prints its top-1 accuracy:
//
//   node tests/onnx/ort_accuracy.js MODEL.onnx [DATA_DIR]
//   -> ort onnx=MODEL.onnx input=N,784 images=10000 correct=8812 test_acc=88.12
//   node tests/onnx/ort_accuracy.js --probe      (exit 0 when onnxruntime-node loads, else 77)
//
// The images are read from the IDX files (gzipped or not) in DATA_DIR, else $JOULE_FASHION_MNIST,
// else /usr/share/datasets/fashion-mnist, and scaled to [0, 1] in float32 exactly as Joule's
// loader does (byte * float32(1/255)): the graph's contract (docs/deployment.md). The input is
// shaped [n, 784] or [n, 1, 28, 28] after the graph's own input.
//
// onnxruntime-node is looked up in $JOULE_ONNXRUNTIME_NODE (a node_modules folder), then in
// .deps/onnxruntime/node_modules of this repository (where tests/onnx/install-onnxruntime.sh
// puts it), then as usual. Exit status 77 (a skip for CTest) when it cannot be loaded.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function loadOrt() {
  const dirs = [process.env.JOULE_ONNXRUNTIME_NODE,
                path.join(__dirname, '..', '..', '.deps', 'onnxruntime', 'node_modules')];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = path.join(dir, 'onnxruntime-node');
    if (fs.existsSync(p)) return require(p);
  }
  return require('onnxruntime-node');
}

function readIdx(dir, base) {
  for (const name of [base, base + '.gz']) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) continue;
    const raw = fs.readFileSync(file);
    return name.endsWith('.gz') ? zlib.gunzipSync(raw) : raw;
  }
  throw new Error(`no ${base}[.gz] in ${dir}`);
}

// IDX: magic (0, 0, type 0x08 = uint8, rank), rank big-endian uint32 sizes, then the bytes.
function idxData(buf, what) {
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08)
    throw new Error(`${what}: not an IDX file of unsigned bytes`);
  const rank = buf[3];
  const dims = [];
  for (let i = 0; i < rank; ++i) dims.push(buf.readUInt32BE(4 + 4 * i));
  return {dims, data: buf.subarray(4 + 4 * rank)};
}

async function main() {
  const [modelPath, dataArg] = process.argv.slice(2);
  if (!modelPath) {
    console.error('usage: node ort_accuracy.js MODEL.onnx [DATA_DIR]');
    process.exit(2);
  }
  let ort;
  try {
    ort = loadOrt();
  } catch (e) {
    console.error(`ort_accuracy: onnxruntime-node cannot be loaded (${e.message.split('\n')[0]})`);
    process.exit(77);
  }
  if (modelPath === '--probe') {
    const version = ort.env && ort.env.versions ? ort.env.versions.common : 'loaded';
    console.log(`ort onnxruntime-node=${version}`);
    return;
  }
  const dir = dataArg || process.env.JOULE_FASHION_MNIST || '/usr/share/datasets/fashion-mnist';
  const images = idxData(readIdx(dir, 't10k-images-idx3-ubyte'), 'test images');
  const labels = idxData(readIdx(dir, 't10k-labels-idx1-ubyte'), 'test labels');
  const n = images.dims[0], pixels = images.dims[1] * images.dims[2];
  if (labels.dims[0] !== n) throw new Error(`${n} images but ${labels.dims[0]} labels`);

  const session = await ort.InferenceSession.create(modelPath);
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  const rank = meta && meta.shape ? meta.shape.length : 2;
  const scale = Math.fround(1 / 255);
  let correct = 0;
  const batch = 1000;
  for (let start = 0; start < n; start += batch) {
    const b = Math.min(batch, n - start);
    const x = new Float32Array(b * pixels);
    for (let i = 0; i < b * pixels; ++i) x[i] = images.data[start * pixels + i] * scale;
    const dims = rank === 4 ? [b, 1, images.dims[1], images.dims[2]] : [b, pixels];
    const out = await session.run({input: new ort.Tensor('float32', x, dims)});
    const logits = out.logits;
    const classes = logits.dims[1];
    for (let i = 0; i < b; ++i) {
      let best = 0;
      for (let c = 1; c < classes; ++c)
        if (logits.data[i * classes + c] > logits.data[i * classes + best]) best = c;
      correct += best === labels.data[start + i] ? 1 : 0;
    }
  }
  const shape = rank === 4 ? `N,1,${images.dims[1]},${images.dims[2]}` : `N,${pixels}`;
  console.log(`ort onnx=${modelPath} input=${shape} images=${n} correct=${correct} ` +
              `test_acc=${(100 * correct / n).toFixed(2)}`);
}

main().catch((e) => {
  console.error(`ort_accuracy: ${e.message}`);
  process.exit(1);
});
